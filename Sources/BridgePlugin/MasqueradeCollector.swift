import CNIFirewall
import CNIProtocol

/// GC of ipMasq rules: removes the rules of this network whose attachment is not in
/// `cni.dev/valid-attachments` (the reference leaves them: no plugin implements GC), through
/// every available `MasqueradeBackend`.
struct MasqueradeCollector {
    let network: String
    let valid: [Attachment]

    func run() throws {
        var errors: [String] = []
        for backend in Masquerade.backends where backend.isAvailable {
            do {
                try backend.collectGarbage(network: network, valid: valid)
            } catch {
                errors.append("\(error)")
            }
        }
        guard errors.isEmpty else {
            throw CNIError.internalFailure("failed to garbage-collect IP masquerade rules: " + errors.joined(separator: "; "))
        }
    }
}
