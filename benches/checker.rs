//! Placeholder: the checker bench is being written.
fn main() {}
