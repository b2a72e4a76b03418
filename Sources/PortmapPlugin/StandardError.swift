import CNISystem

/// stderr logging (stdout is the result channel).
enum StandardError {
    static func log(_ message: String) {
        StandardIO.write(message + "\n", fd: 2)
    }
}
