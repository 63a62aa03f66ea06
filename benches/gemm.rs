//! Placeholder: the gemm bench is being written.
fn main() {}
