// placeholder: filled in by the CNINetlink work
