//! Merkle trees over an organization's audit chain, as Certificate Transparency builds them
//! (RFC 6962, section 2.1; RFC 9162, section 2.1): the leaves are the entries' chain hashes in
//! chain order, a leaf is hashed as `SHA-256(0x00 || leaf)` and an inner node as
//! `SHA-256(0x01 || left || right)`, and a tree of `n > 1` leaves splits at the largest power of
//! two below `n`. A signed checkpoint names the root over the first `n` entries; an inclusion
//! proof (the audit path) shows that one entry is among them with nothing but hashing.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The hash of a leaf: its bytes behind a 0x00 byte.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// The hash of an inner node: its children behind a 0x01 byte.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The levels of the tree over `leaves`, from the leaves up to the root: each the one below
/// paired from the left, an odd node out carried up unchanged. This is RFC 6962's tree (which
/// splits at the largest power of two) built without recursion over a million entries.
fn levels(leaves: &[Hash]) -> Vec<Vec<Hash>> {
    let mut out = vec![leaves.to_vec()];
    while out.last().is_some_and(|l| l.len() > 1) {
        let below = out.last().map(Vec::as_slice).unwrap_or_default();
        let next = below
            .chunks(2)
            .map(|pair| match pair {
                [l, r] => node_hash(l, r),
                [only] => *only,
                _ => unreachable!("chunks of one or two"),
            })
            .collect();
        out.push(next);
    }
    out
}

/// The root of the tree over the leaf hashes `leaves` (RFC 6962's MTH): the hash of the empty
/// string for no leaf.
pub fn root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return Sha256::digest([]).into();
    }
    levels(leaves).last().and_then(|top| top.first().copied()).unwrap_or_default()
}

/// The audit path of leaf `index` in the tree over `leaves` (RFC 6962's PATH), from the leaf's
/// sibling up to the root's child. `None` when `index` is not a leaf of it.
pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    let mut i = index;
    for level in levels(leaves) {
        // A node carried up (the odd one out) has no sibling at this level.
        if let Some(sibling) = level.get(i ^ 1) {
            path.push(*sibling);
        }
        i >>= 1;
    }
    Some(path)
}

/// Whether `path` proves that the leaf hashed `leaf` is leaf `index` of a tree of `size` leaves
/// whose root is `root` (RFC 9162, section 2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && &r == root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
    }

    /// The largest power of two smaller than `n` (for `n > 1`).
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k << 1 < n {
            k <<= 1;
        }
        k
    }

    /// The recursive definition, written as the RFC states it.
    fn mth(d: &[Hash]) -> Hash {
        match d.len() {
            0 => Sha256::digest([]).into(),
            1 => d[0],
            n => {
                let k = split(n);
                node_hash(&mth(&d[..k]), &mth(&d[k..]))
            }
        }
    }

    /// PATH, written as the RFC states it.
    fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
        let n = d.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = split(n);
        if m < k {
            let mut p = path(m, &d[..k]);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = path(m - k, &d[k..]);
            p.push(mth(&d[..k]));
            p
        }
    }

    #[test]
    fn the_level_by_level_tree_is_the_recursive_one() {
        for n in 0..70 {
            let d = leaves(n);
            assert_eq!(root(&d), mth(&d), "{n} leaves");
            for m in 0..n {
                assert_eq!(inclusion_proof(m, &d).unwrap(), path(m, &d), "leaf {m} of {n}");
            }
        }
    }

    #[test]
    fn every_leaf_of_every_size_proves_and_nothing_else_does() {
        for n in 1..40usize {
            let d = leaves(n);
            let r = root(&d);
            for m in 0..n {
                let path = inclusion_proof(m, &d).unwrap();
                assert!(verify_inclusion(m as u64, n as u64, &d[m], &path, &r), "leaf {m} of {n}");
                // Another leaf, another index or another root: refused.
                let other = leaf_hash(b"not an entry");
                assert!(!verify_inclusion(m as u64, n as u64, &other, &path, &r));
                if n > 1 {
                    assert!(!verify_inclusion(((m + 1) % n) as u64, n as u64, &d[m], &path, &r), "{m} of {n}");
                }
                let mut bad_root = r;
                bad_root[0] ^= 1;
                assert!(!verify_inclusion(m as u64, n as u64, &d[m], &path, &bad_root));
            }
            assert!(inclusion_proof(n, &d).is_none());
        }
    }

    #[test]
    fn a_known_tree() {
        // RFC 6962's tree of leaves "" and "\x00": hashed by hand.
        let a = leaf_hash(b"");
        let b = leaf_hash(&[0]);
        assert_eq!(hex::encode(a), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        assert_eq!(root(&[a, b]), node_hash(&a, &b));
        assert_eq!(
            hex::encode(root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "the empty tree is the hash of nothing"
        );
    }
}
