//! Services (stub)
