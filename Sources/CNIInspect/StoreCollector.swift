import CNISystem
import HostLocalStore

/// Reads the host-local store and flannel's saved configs from disk. Missing directories are an
/// empty store (a fresh node); other read errors become notes.
struct StoreCollector {
    func allocations(root: String, network: String?, notes: inout [String]) -> [IPAllocation] {
        var networks: [String]
        if let network {
            networks = [network]
        } else {
            networks = list(root, notes: &notes).filter { !$0.hasPrefix(".") && FileSystem.isDirectory("\(root)/\($0)") }
        }
        networks.sort()
        var out: [IPAllocation] = []
        for net in networks {
            let dir = "\(root)/\(net)"
            var found: [IPAllocation] = []
            for name in list(dir, notes: &notes) {
                guard case .reservation = StoreLayout.entry(name),
                      let bytes = read("\(dir)/\(name)", limit: 4096, notes: &notes),
                      let a = IPAllocation(storeDirectory: dir, network: net, fileName: name, content: bytes) else { continue }
                found.append(a)
            }
            out += found.sorted { $0.ip < $1.ip }
        }
        return out
    }

    func savedConfigs(directory: String, notes: inout [String]) -> [SavedFlannelConfig] {
        var out: [SavedFlannelConfig] = []
        for name in list(directory, notes: &notes).sorted() where !name.hasPrefix(".") {
            let path = "\(directory)/\(name)"
            guard !FileSystem.isDirectory(path), let bytes = read(path, limit: 1 << 20, notes: &notes) else { continue }
            out.append(SavedFlannelConfig(containerID: name, path: path, bytes: bytes))
        }
        return out
    }

    func subnetEnv(path: String, notes: inout [String]) -> SubnetEnvReport? {
        do {
            return SubnetEnvReport(path: path, text: String(decoding: try FileSystem.readFile(path, limit: 1 << 20), as: UTF8.self))
        } catch {
            notes.append("subnet.env: \(error) (is flanneld running on this node?)")
            return nil
        }
    }

    private func list(_ dir: String, notes: inout [String]) -> [String] {
        do {
            return try FileSystem.listDirectory(dir)
        } catch {
            if error.errno != .noSuchFileOrDirectory { notes.append("\(error)") }
            return []
        }
    }

    private func read(_ path: String, limit: Int, notes: inout [String]) -> [UInt8]? {
        do {
            return try FileSystem.readFile(path, limit: limit)
        } catch {
            // Removed between listing and reading: a DEL ran meanwhile.
            if error.errno != .noSuchFileOrDirectory { notes.append("\(error)") }
            return nil
        }
    }
}
