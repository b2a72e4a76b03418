// placeholder: filled in by the CNITestSupport work
