#!/usr/bin/env python3
"""Checks a Praetor audit inclusion proof offline, with nothing from Praetor.

Input (a file, or standard input): the JSON of `auditInclusionProof` as the GraphQL API answers
it, asked with

    { org(slug: "acme") { auditInclusionProof(seq: 42) { leafIndex treeSize leafHash path
        entry { seq hash } checkpoint { seq root publicKey signature signedText } } } }

(the object itself, `data.org.auditInclusionProof`, or the whole response). It checks:

1. the leaf is the entry: SHA-256(0x00 || bytes of the entry's hash);
2. the audit path leads from the leaf to the checkpoint's root (RFC 9162, section 2.1.3.2:
   each step hashes 0x01 || left || right);
3. the checkpoint's Ed25519 signature over its signed text, with `openssl` (skipped, and said
   so, when no openssl is installed). Compare the public key with the one your instance
   published, and the entry's hash with your own copy of the entry (`praetor audit export`).

Prints what holds and exits 0, or names what does not and exits 1.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def root_from_path(leaf: bytes, index: int, size: int, path: list) -> bytes | None:
    """RFC 9162, 2.1.3.2: the root the path leads to, or None when it cannot be this tree's."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for hex_node in path:
        node = bytes.fromhex(hex_node)
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + node + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + node)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def signature_holds(public_key_b64: str, text: str, signature_b64: str) -> bool | None:
    """The Ed25519 signature checked by openssl; None when openssl is not installed."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    # A raw Ed25519 public key in a SubjectPublicKeyInfo (DER prefix for id-Ed25519).
    der = bytes.fromhex("302a300506032b6570032100") + base64.b64decode(public_key_b64)
    pem = b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n"
    with tempfile.TemporaryDirectory() as d:
        paths = {name: os.path.join(d, name) for name in ("key.pem", "text", "sig")}
        for name, data in (("key.pem", pem), ("text", text.encode()), ("sig", base64.b64decode(signature_b64))):
            with open(paths[name], "wb") as f:
                f.write(data)
        done = subprocess.run(
            [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", paths["key.pem"], "-rawin",
             "-in", paths["text"], "-sigfile", paths["sig"]],
            capture_output=True,
        )
        return done.returncode == 0


def main() -> int:
    doc = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    proof = doc.get("data", {}).get("org", {}).get("auditInclusionProof", doc) if "data" in doc else doc
    entry, cp = proof["entry"], proof["checkpoint"]
    leaf = sha256(b"\x00" + bytes.fromhex(entry["hash"]))
    if leaf.hex() != proof["leafHash"]:
        print(f"FAILED: the leaf is not entry {entry['seq']}'s hash")
        return 1
    root = root_from_path(leaf, proof["leafIndex"], proof["treeSize"], proof["path"])
    if root is None or root.hex() != cp["root"]:
        print(f"FAILED: the path does not lead from entry {entry['seq']} to the checkpoint's root")
        return 1
    print(f"ok: entry {entry['seq']} is leaf {proof['leafIndex']} of the {proof['treeSize']} the checkpoint at entry {cp['seq']} signed")
    signed = signature_holds(cp["publicKey"], cp["signedText"], cp["signature"])
    if signed is None:
        print("signature not checked: no openssl here")
    elif not signed:
        print("FAILED: the checkpoint's signature does not hold")
        return 1
    else:
        print(f"ok: the checkpoint is signed by the key {cp['publicKey']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
