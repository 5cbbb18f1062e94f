# The suites. Each helper-written suite adds one line here.
