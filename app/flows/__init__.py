"""What to send, when: the outbox, the dispatcher, its policies, one module per flow."""
