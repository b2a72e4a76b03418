# shellcheck shell=bash
# Sourced by the scripts: puts the Swift toolchain and the sbin directories on PATH when a bare
# environment lacks them (e.g. a CI runner without a login shell; Swift images put it in /opt/swift).
if ! command -v swift >/dev/null 2>&1; then
    for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin /usr/local/swift/usr/bin "${HOME:-/root}/.swiftly/bin"; do
        if [ -x "$dir/swift" ]; then PATH="$dir:$PATH"; break; fi
    done
fi
case ":$PATH:" in *":/usr/sbin:"*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
export PATH
