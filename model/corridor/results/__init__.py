"""A solved plan -> the solution tables (`extract`) and the security metrics of the plan (`metrics`)."""
