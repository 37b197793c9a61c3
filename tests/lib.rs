//! Shared harness for the black-box integration tests.
