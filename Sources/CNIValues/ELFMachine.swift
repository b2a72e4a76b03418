/// The architecture an ELF executable is built for: the header's `e_machine` (read through
/// `ELFBuildID`'s header reader), and the architecture this program itself was compiled for.
/// A kernel refuses to exec another architecture's file with ENOEXEC ("exec format error").
package struct ELFMachine: Equatable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt16

    package init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `EM_X86_64` and `EM_AARCH64` of the ELF specification (`<elf.h>`).
    package static let x86_64 = ELFMachine(rawValue: 62)
    package static let aarch64 = ELFMachine(rawValue: 183)

    /// `e_machine` sits at the same offset in 32- and 64-bit headers.
    static let offset = 0x12

    /// The architecture of this build (the one the machine running it executes natively).
    package static var current: ELFMachine? {
        #if arch(x86_64)
            return .x86_64
        #elseif arch(arm64)
            return .aarch64
        #else
            return nil
        #endif
    }

    /// `e_machine` of a file's first bytes; nil when they are not an ELF header.
    package static func parse(_ bytes: [UInt8]) -> ELFMachine? {
        guard let (_, reader) = ELFBuildID.header(bytes), let raw = reader.u16(offset) else { return nil }
        return ELFMachine(rawValue: raw)
    }

    /// The name `uname -m` prints for it (`x86_64`, `aarch64`), or `e_machine N`.
    package var description: String {
        switch self {
        case .x86_64: return "x86_64"
        case .aarch64: return "aarch64"
        default: return "e_machine \(rawValue)"
        }
    }
}
