"""Who may come in: users with argon2 password hashes and lock-out, API tokens (`users`); Bearer tokens with their
users kept a second (`token_cache`); login and API throttling counted in the store so every node sees them
(`throttle`); the in-memory store's part (`memory`). The SQL store's part is engine/sql/accounts.py."""
