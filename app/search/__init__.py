"""Product search for the chat: normalisation, the index, keyword rules and the reply."""
