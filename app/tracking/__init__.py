"""Click tracking and attribution: /r/<token> links, clicks, orders and blocks credited to messages."""
