/// flannel's default node paths, defined once for the flannel plugin and cni-inspect.
package enum FlannelDefaults {
    /// `subnetFile`: the lease flanneld writes.
    package static let subnetFile = "/run/flannel/subnet.env"
    /// `dataDir`: one saved delegate config per container.
    package static let dataDirectory = "/var/lib/cni/flannel"
}
