/// A CNI specification version (`major.minor.patch`).
package struct CNIVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    package let major: Int
    package let minor: Int
    package let patch: Int

    package init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `1.0.0`, also `1.0` / `1` as the Go library does.
    package init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var nums: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 6, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(p) else { return nil }
            nums.append(n)
        }
        while nums.count < 3 { nums.append(0) }
        self.init(nums[0], nums[1], nums[2])
    }

    package static func < (a: CNIVersion, b: CNIVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    package var description: String { "\(major).\(minor).\(patch)" }

    package static let v0_1_0 = CNIVersion(0, 1, 0)
    package static let v0_2_0 = CNIVersion(0, 2, 0)
    package static let v0_3_0 = CNIVersion(0, 3, 0)
    package static let v0_3_1 = CNIVersion(0, 3, 1)
    package static let v0_4_0 = CNIVersion(0, 4, 0)
    package static let v1_0_0 = CNIVersion(1, 0, 0)
    package static let v1_1_0 = CNIVersion(1, 1, 0)

    /// Every version this suite speaks, oldest first.
    package static let supported: [CNIVersion] = [v0_1_0, v0_2_0, v0_3_0, v0_3_1, v0_4_0, v1_0_0, v1_1_0]
    package static let current = v1_1_0

    /// Results before 0.3.0 use the `ip4`/`ip6` shape.
    package var usesLegacyResult: Bool { self < .v0_3_0 }
}
