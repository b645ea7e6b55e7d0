import Foundation

/// ProcessGroupSpawn starts a program in a process group of its own (so `kill(-pid, SIGKILL)` ends it and everything
/// it started), with a clean signal mask and default dispositions, and no file descriptor of ours but the three it
/// is given: exec plugins and the browser both start this way.
enum ProcessGroupSpawn {
    /// The `errno` value `posix_spawn` returned.
    struct Failure: Error, Equatable {
        var code: Int32
        var reason: String { String(cString: strerror(code)) }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does not import.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Spawns `arguments` (the first looked up in PATH when it has no `/`) with the process environment plus
    /// `environment`; `stdio(actions)` sets up descriptors 0-2. Returns the pid, or the `posix_spawn` error code.
    static func spawn(_ arguments: [String], environment: [(String, String)] = [],
                      stdio: (inout posix_spawn_file_actions_t) -> Void) -> Result<pid_t, Failure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        stdio(&actions)
        // The child inherits nothing else: not the probe's sockets, and not a file another thread has open for
        // writing (which would make that file's own exec fail with ETXTBSY for as long as the child runs).
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attr, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var envStrings = ProcessInfo.processInfo.environment.filter { k, _ in !environment.contains { $0.0 == k } }
            .map { "\($0.key)=\($0.value)" }
        envStrings += environment.map { "\($0.0)=\($0.1)" }
        let cArgs = arguments.map { strdup($0) } + [nil]
        let cEnv = envStrings.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attr, cArgs, cEnv)
        return rc == 0 ? .success(pid) : .failure(Failure(code: rc))
    }
}
