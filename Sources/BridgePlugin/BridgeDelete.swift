import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// One DEL: best effort and repeatable. The IPAM allocation is always released and the masquerade
/// rules always removed — also when `CNI_NETNS` is empty or already gone (the reference leaks the
/// rules then, plugins#810). The bridge is never deleted.
struct BridgeDelete {
    let context: PluginContext
    let config: BridgeConfig

    func run() throws {
        var failures: [any Error] = []
        var addresses: [IPNetwork] = []
        do {
            addresses = try deleteContainerInterface()
        } catch {
            failures.append(error)
        }
        if config.isLayer3 {
            do {
                try context.delegator.del(type: config.ipamType, config: context.config.raw)
            } catch {
                failures.append(error)
            }
        }
        if config.macSpoofCheck {
            do {
                try SpoofCheck(containerID: context.containerID, ifname: context.ifname).teardown()
            } catch {
                Log.warning(plugin: "bridge", "\(error)")
            }
        }
        if config.isLayer3 && config.ipMasq {
            do {
                try masqueradeTeardown(addresses)
            } catch {
                failures.append(error)
            }
        }
        if let first = failures.first { throw first }
    }

    /// Deletes `CNI_IFNAME` in the pod (taking the host end with it) and returns its global unicast
    /// addresses. Nothing to do when the netns is empty or gone, or the link is already deleted.
    private func deleteContainerInterface() throws -> [IPNetwork] {
        guard let namespace = try context.openNetnsIfPresent() else { return [] }
        let socket = try NetlinkSocket(in: namespace)
        guard let link = try socket.link(named: context.ifname) else { return [] }
        let addresses = try socket.addresses(index: link.index)
            .map(\.network).filter { $0.address.isGlobalUnicast }
        do {
            try socket.deleteLink(index: link.index)
        } catch Errno.noSuchDevice {
            // Deleted meanwhile.
        } catch {
            throw CNIError.internalFailure("failed to delete \"\(context.ifname)\" in \(context.netns): \(error)")
        }
        return addresses
    }

    /// Families come from the link's addresses, else from prevResult; unknown: both are scanned.
    private func masqueradeTeardown(_ addresses: [IPNetwork]) throws {
        var known = addresses
        if known.isEmpty, let previous = try? context.config.previousResult() {
            known = previous.ips.map(\.address)
        }
        var families: [IPAddress.Family] = []
        for a in known where !families.contains(a.family) { families.append(a.family) }
        let masq = Masquerade(network: context.config.name, containerID: context.containerID, ifname: context.ifname)
        try masq.teardown(families: families.isEmpty ? nil : families)
    }
}
