//! Placeholder: the svd bench is being written.
fn main() {}
