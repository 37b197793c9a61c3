//! Praetor policy language (work in progress).
