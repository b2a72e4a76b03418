import CNISystem

/// Input checks done before anything on the node is touched (cni `pkg/utils`).
public enum Validation {
    /// `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$` with no trailing newline.
    public static func isValidIdentifier(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first, isAlnum(first) else { return false }
        return u.dropFirst().allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }

    public static func validateContainerID(_ id: String) throws(CNIError) {
        guard !id.isEmpty else { throw CNIError(code: CNIError.unknownContainer, "missing containerID") }
        guard isValidIdentifier(id) else {
            throw CNIError(code: CNIError.invalidEnvironment, "invalid characters in containerID", details: id)
        }
        // Ours only: the reference has no limit and fails halfway with ENAMETOOLONG.
        guard id.utf8.count <= maxContainerIDBytes else {
            throw CNIError(code: CNIError.invalidEnvironment, "containerID is too long",
                           details: "it is a file name (flannel saves <dataDir>/<containerID>): at most \(maxContainerIDBytes)"
                               + " bytes, this one has \(id.utf8.count)")
        }
    }

    /// The longest container ID: a file name's limit, since flannel saves `<dataDir>/<containerID>`.
    package static let maxContainerIDBytes = FileSystem.maxNameBytes

    public static func validateNetworkName(_ name: String) throws(CNIError) {
        guard !name.isEmpty else { throw CNIError(code: CNIError.invalidNetworkConfig, "missing network name") }
        guard isValidIdentifier(name) else {
            throw CNIError(code: CNIError.invalidNetworkConfig, "invalid characters found in network name", details: name)
        }
    }

    public static func validateInterfaceName(_ name: String) throws(CNIError) {
        guard !name.isEmpty else { throw CNIError(code: CNIError.invalidEnvironment, "interface name is empty") }
        guard name.utf8.count <= 15 else {
            throw CNIError(code: CNIError.invalidEnvironment, "interface name is too long",
                           details: "interface name should be less than 16 characters")
        }
        guard name != "." && name != ".." else {
            throw CNIError(code: CNIError.invalidEnvironment, "interface name is . or ..")
        }
        for u in name.unicodeScalars where u == "/" || u == ":" || u.properties.isWhitespace || u.value < 0x20 || u.value == 0x7F {
            throw CNIError(code: CNIError.invalidEnvironment, "interface name contains / or : or whitespace characters")
        }
    }
}
