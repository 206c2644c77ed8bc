"""Account commands (SPEC §2): sign-up, verification, activation, recovery, security settings.

Every command validates, changes the rows, writes the security event and the outbox message,
and commits once; on refusal it raises AccountError and changes nothing.
"""
