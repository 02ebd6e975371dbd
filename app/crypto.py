"""Encryption at rest for access tokens and channel secrets (Fernet, rotatable keys)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class Vault:
    """Encrypts with the first key and decrypts with any, so keys can be rotated."""

    def __init__(self, keys: tuple[str, ...]):
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: str | None) -> str | None:
        if plaintext is None:
            return None
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str | None) -> str | None:
        """Return the plaintext, or None when absent or not decryptable with our keys."""
        if not ciphertext:
            return None
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            return None
