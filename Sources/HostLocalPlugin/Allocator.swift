import CNIProtocol
import CNIValues
import HostLocalStore

/// host-local's allocation rules over a `ReservationStore`: one address per range set, requested
/// addresses, round-robin after the last reservation, release by owner, GC. Pure logic: the caller
/// holds the store's lock for the whole operation. Error texts are the reference's.
struct Allocator<Store: ReservationStore> {
    let store: Store

    /// Reserves one address per range set for `attachment` and returns them in set order.
    /// All-or-nothing: on any failure, what this call reserved is released again.
    func allocate(_ sets: [RangeSet], requested: [IPAddress], for attachment: Attachment) throws -> [CNIResult.IPConfig] {
        try allocate(sets, assignment: RangeSet.assign(requested, to: sets), for: attachment)
    }

    /// `allocate` with the requested addresses already given to their sets (`RangeSet.assign`).
    func allocate(_ sets: [RangeSet], assignment: [IPAddress?], for attachment: Attachment) throws -> [CNIResult.IPConfig] {
        var existing = try store.reservations().sorted { $0.address < $1.address }
        let owner = ReservationOwner(attachment)
        var made: [Reservation] = []
        var configs: [CNIResult.IPConfig] = []
        for (index, set) in sets.enumerated() {
            do {
                if let held = existing.first(where: { set.contains($0.address)
                        && ($0.owner.isExactly(attachment) || $0.owner.isLegacyRecord(of: attachment)) }) {
                    throw CNIError.internalFailure("\(held.address) has been allocated to \(attachment.containerID), duplicate allocation is not allowed")
                }
                let wanted = assignment.indices.contains(index) ? assignment[index] : nil
                let (address, range) = try reserve(in: set, index: index, requested: wanted, owner: owner, existing: existing)
                let reservation = Reservation(address: address, owner: owner)
                made.append(reservation)
                existing.append(reservation)
                try store.recordLastReserved(address, rangeSet: index)
                guard let network = IPNetwork(address: address, prefixLength: range.subnet.prefixLength) else {
                    throw CNIError.internalFailure("invalid prefix length \(range.subnet.prefixLength) for \(address)")
                }
                configs.append(CNIResult.IPConfig(address: network, gateway: range.gateway))
            } catch {
                for r in made { try? store.release(r) }
                throw CNIError.internalFailure("failed to allocate for range \(index): \(String(describing: error))")
            }
        }
        return configs
    }

    /// Releases every address held by `attachment`; legacy records of the container only when
    /// no exact record exists (the reference's fallback). Returns what was released.
    @discardableResult
    func release(_ attachment: Attachment) throws -> [IPAddress] {
        let all = try store.reservations().sorted { $0.address < $1.address }
        var mine = all.filter { $0.owner.isExactly(attachment) }
        if mine.isEmpty { mine = all.filter { $0.owner.isLegacyRecord(of: attachment) } }
        var errors: [String] = []
        for r in mine {
            do { try store.release(r) } catch { errors.append(String(describing: error)) }
        }
        guard errors.isEmpty else { throw CNIError.internalFailure(errors.joined(separator: ";")) }
        return mine.map(\.address)
    }

    /// Whether `attachment` (or a legacy record of its container) holds any address.
    func holdsAddress(_ attachment: Attachment) throws -> Bool {
        try store.reservations().contains { $0.owner.isExactly(attachment) || $0.owner.isLegacyRecord(of: attachment) }
    }

    /// GC: releases every reservation whose owner is not among `valid` (a legacy record stays
    /// while any valid attachment has its container ID). Continues past errors and reports them.
    func collectGarbage(keeping valid: [Attachment]) throws -> (released: [IPAddress], errors: [String]) {
        let exact = Set(valid)
        let containers = Set(valid.map(\.containerID))
        var released: [IPAddress] = []
        var errors: [String] = []
        for r in try store.reservations().sorted(by: { $0.address < $1.address }) {
            let inUse: Bool
            if let ifname = r.owner.ifname {
                inUse = exact.contains(Attachment(containerID: r.owner.containerID, ifname: ifname))
            } else {
                inUse = containers.contains(r.owner.containerID)
            }
            guard !inUse else { continue }
            do {
                try store.release(r)
                released.append(r.address)
            } catch {
                errors.append("release \(r.address): \(String(describing: error))")
            }
        }
        return (released, errors)
    }

    // MARK: - Private

    private func reserve(in set: RangeSet, index: Int, requested: IPAddress?, owner: ReservationOwner,
                         existing: [Reservation]) throws -> (IPAddress, IPRange) {
        if let requested {
            guard let range = set.range(containing: requested) else {
                throw CNIError.internalFailure("\(requested) not in range set \(set)")
            }
            if let reason = range.refusalReason(for: requested) { throw CNIError.internalFailure(reason) }
            let taken = existing.contains { $0.address == requested }
            guard !taken, try store.reserve(requested, for: owner) else {
                throw CNIError.internalFailure("requested IP address \(requested) is not available in range set \(set)")
            }
            return (requested, range)
        }
        var taken = Set(existing.map(\.address))
        var walk = RangeIterator(set: set, lastReserved: store.lastReserved(rangeSet: index))
        while let step = walk.next() {
            guard step.range.isAssignable(step.address), !taken.contains(step.address) else { continue }
            if try store.reserve(step.address, for: owner) { return (step.address, step.range) }
            taken.insert(step.address)
        }
        throw CNIError.internalFailure("no IP addresses available in range set: \(set)")
    }
}
