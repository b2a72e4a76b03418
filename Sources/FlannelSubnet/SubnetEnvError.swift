/// Why `subnet.env` could not be used. `description` is the reference's inner error text
/// (`open /run/flannel/subnet.env: no such file or directory`, `/x is missing FLANNEL_MTU`);
/// `FlannelPlugin` wraps it with the "failed to load flannel 'subnet.env' file" sentence.
package struct SubnetEnvError: Error, Equatable, CustomStringConvertible, Sendable {
    package enum Kind: Equatable, Sendable {
        /// The file does not exist: flanneld has not written it (yet).
        case missingFile
        /// Any other read failure (permissions, a directory, too large).
        case unreadable
        /// A line that cannot be parsed.
        case malformed(line: Int)
        /// Required keys are absent.
        case incomplete(missingKeys: [String])
    }

    package let kind: Kind
    package let message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
