"""The tamper-evident log: the Merkle tree (``merkle``), the bytes that are hashed (``leaf``),
signing keys and signatures (``signing``) and signed checkpoints (``checkpoint``).

Nothing is imported here: each module is imported by its own name, and stays light (no
pydantic, NumPy or engine).
"""
