/// flannel's default node paths, defined once for the flannel plugin and cni-inspect.
public enum FlannelDefaults {
    /// `subnetFile`: the lease flanneld writes.
    public static let subnetFile = "/run/flannel/subnet.env"
    /// `dataDir`: one saved delegate config per container.
    public static let dataDirectory = "/var/lib/cni/flannel"
}
