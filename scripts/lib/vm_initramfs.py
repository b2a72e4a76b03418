#!/usr/bin/env python3
"""Initramfs archives for the VM harness, from unpacked Debian packages of any architecture.

Used by scripts/e2e-vm.sh (base, tree) and scripts/lib/kernel-vm.sh (modules, tree).

  vm_initramfs.py base --root DIR --kernel DIR --tools "busybox ip ..." --modules "veth ..." --out FILE
      A merged-/usr root (/bin, /sbin, /lib, /lib64 link to /usr) holding busybox, the named
      tools with the shared libraries they need (DT_NEEDED closure, PT_INTERP, iptables'
      xtables extensions), iptables* names linked to xtables-nft-multi (dpkg-deb -x runs no
      update-alternatives), /etc/protocols and /etc/services, /dev/console, and the named kernel
      modules with everything they depend on (from each module's .modinfo `depends` and
      `softdep pre:`; the .deb has no modules.dep), decompressed into /usr/lib/modules/ and
      listed in load order in /etc/vm-modules. Modules built into the kernel (modules.builtin)
      are left out; other names that are no module are noted on stderr (e.g. nft_counter, a
      module in 5.10 and part of nf_tables in 6.x).
  vm_initramfs.py modules --kernel DIR --modules "9p ..." --out FILE
      Only the named kernel modules with their dependencies, as base has them (kernel-vm.sh: the
      modules its /init loads before it mounts the machine's root over 9p).
  vm_initramfs.py tree --src DIR --out FILE
      DIR as an archive (appended to the base one: the kernel unpacks both).

Archives are cpio "newc", gzip-compressed, every entry owned by root; written to a temp name
and renamed. Only the standard library is used; `readelf` (binutils, any ELF machine) reads the
dynamic sections.
"""
import argparse
import gzip
import lzma
import os
import re
import stat
import struct
import subprocess
import sys

LIB_DIRS = ["usr/lib/{t}", "lib/{t}", "usr/lib", "lib", "lib64", "usr/lib64"]
BIN_DIRS = ["usr/sbin", "sbin", "usr/bin", "bin"]
IPTABLES_NAMES = ["iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore",
                  "iptables-nft", "iptables-nft-save", "iptables-nft-restore"]


class Archive:
    """A cpio newc archive built in memory: path -> entry."""

    def __init__(self):
        self.entries = {}

    def dir(self, path, mode=0o755):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            if p and p not in self.entries:
                self.entries[p] = (stat.S_IFDIR | mode, b"", 0)

    def file(self, path, data, mode=0o644):
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFREG | mode, data, 0)

    def symlink(self, path, target):
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFLNK | 0o777, target.encode(), 0)

    def chardev(self, path, major, minor, mode=0o600):
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFCHR | mode, b"", (major, minor))

    def write(self, out):
        chunks = []
        ino = 1
        for name in sorted(self.entries, key=lambda p: (p.count("/"), p)):
            mode, data, dev = self.entries[name]
            chunks.append(newc_header(ino, mode, len(data), name, dev) + data + pad(len(data)))
            ino += 1
        chunks.append(newc_header(ino, 0, 0, "TRAILER!!!", 0))
        tmp = f"{out}.tmp.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(gzip.compress(b"".join(chunks), compresslevel=6))
        os.replace(tmp, out)


def pad(n):
    return b"\0" * ((4 - n % 4) % 4)


def newc_header(ino, mode, size, name, dev):
    major, minor = dev if dev else (0, 0)
    nameb = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, major, minor, len(nameb), 0]
    head = b"070701" + b"".join(b"%08X" % v for v in fields)
    return head + nameb + pad(len(head) + len(nameb))


def usr_path(path):
    """/bin, /sbin, /lib, /lib64 as the merged-/usr root has them."""
    p = "/" + path.strip("/")
    for top in ("/bin/", "/sbin/", "/lib/", "/lib64/"):
        if p.startswith(top):
            return "/usr" + p
    return p


def resolve(root, path, depth=0):
    """The real file behind PATH inside ROOT (symlinks resolved inside ROOT), or None."""
    full = os.path.join(root, path.lstrip("/"))
    if depth > 20 or not os.path.lexists(full):
        return None
    if os.path.islink(full):
        target = os.readlink(full)
        if not target.startswith("/"):
            target = os.path.join(os.path.dirname("/" + path.lstrip("/")), target)
        return resolve(root, os.path.normpath(target), depth + 1)
    return full


def readelf(args, path):
    return subprocess.run(["readelf", *args, path], capture_output=True, text=True, check=False).stdout


def triplet_of(root):
    for d in ("usr/lib", "lib"):
        base = os.path.join(root, d)
        if os.path.isdir(base):
            for name in sorted(os.listdir(base)):
                if name.endswith("-linux-gnu") and os.path.exists(os.path.join(base, name, "libc.so.6")):
                    return name
    sys.exit("vm_initramfs: no <triplet>/libc.so.6 in " + root)


def add_with_libraries(arc, root, triplet, elfs):
    """Adds the DT_NEEDED closure and interpreter of the (archive path, real file) pairs in ELFS."""
    lib_dirs = [d.format(t=triplet) for d in LIB_DIRS]
    seen = set()
    queue = list(elfs)
    while queue:
        _, real = queue.pop()
        m = re.search(r"Requesting program interpreter: (\S+)\]", readelf(["-lW"], real))
        needs = [(m.group(1), True)] if m else []
        needs += [(n, False) for n in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", readelf(["-dW"], real))]
        for name, absolute in needs:
            if name in seen:
                continue
            seen.add(name)
            cands = [name, usr_path(name)] if absolute else [os.path.join(d, name) for d in lib_dirs]
            found = next(((c, r) for c in cands if (r := resolve(root, c))), None)
            if not found:
                sys.exit(f"vm_initramfs: {name} (needed by {real}) not found in {root}")
            dest = usr_path(found[0]) if absolute else f"/usr/lib/{triplet}/{name}"
            arc.file(dest, open(found[1], "rb").read(), 0o755)
            queue.append((dest, found[1]))


# ---- kernel modules -----------------------------------------------------------------------

def module_bytes(path):
    data = open(path, "rb").read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
    return data


def modinfo(data):
    """The key=value strings of an ELF64 little-endian module's .modinfo section."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def section(i):
        name, _, _, _, off, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        return name, off, size

    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name, off, size = section(i)
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] == b".modinfo":
            return [s.decode(errors="replace") for s in data[off:off + size].split(b"\0") if s]
    return []


def norm(name):
    return name.replace("-", "_")


def add_modules(arc, kernel_root, wanted):
    mods = os.path.join(kernel_root, "lib/modules")
    if not os.path.isdir(mods):
        mods = os.path.join(kernel_root, "usr/lib/modules")
    version = sorted(os.listdir(mods))[0]
    base = os.path.join(mods, version)
    paths = {}
    for dirpath, _, files in os.walk(os.path.join(base, "kernel")):
        for f in files:
            m = re.match(r"(.+)\.ko(\.xz|\.gz|\.zst)?$", f)
            if m:
                paths[norm(m.group(1))] = os.path.join(dirpath, f)
    builtin = set()
    bfile = os.path.join(base, "modules.builtin")
    if os.path.exists(bfile):
        builtin = {norm(os.path.basename(line.strip()).split(".ko")[0]) for line in open(bfile)}
    order, done, data = [], set(), {}

    def visit(name, required):
        name = norm(name)
        if name in done:
            return
        done.add(name)
        if name not in paths:
            if name not in builtin and required:
                print(f"vm_initramfs: note: {name} is no module of {version} and not in modules.builtin "
                      "(part of another module there, or absent)", file=sys.stderr)
            return
        data[name] = module_bytes(paths[name])
        for kv in modinfo(data[name]):
            key, _, value = kv.partition("=")
            if key == "depends":
                for dep in filter(None, value.split(",")):
                    visit(dep, True)
            elif key == "softdep":
                pre = re.search(r"pre:\s*(.*?)(?:\s+post:|$)", value)
                for dep in (pre.group(1).split() if pre else []):
                    visit(dep, False)
        order.append(name)

    for name in wanted:
        visit(name, True)
    for name in order:
        arc.file(f"/usr/lib/modules/{name}.ko", data[name])
    arc.file("/etc/vm-modules", ("\n".join(order) + "\n").encode())
    arc.file("/etc/vm-kernel", (version + "\n").encode())
    return version, len(order)


# ---- commands -----------------------------------------------------------------------------

def cmd_base(a):
    arc = Archive()
    for top, target in (("bin", "usr/bin"), ("sbin", "usr/sbin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")):
        arc.dir(target)
        arc.symlink(top, target)
    for d in ("proc", "sys", "dev", "run", "tmp", "root", "etc", "var/lib", "var/run"):
        arc.dir(d)
    arc.chardev("dev/console", 5, 1)
    arc.chardev("dev/null", 1, 3, 0o666)
    triplet = triplet_of(a.root)
    elfs = []
    for tool in a.tools.split():
        real = next((r for d in BIN_DIRS if (r := resolve(a.root, f"{d}/{tool}"))), None)
        if not real:
            sys.exit(f"vm_initramfs: {tool} not found in {a.root}")
        dest = f"/usr/bin/{tool}" if tool == "busybox" else f"/usr/sbin/{tool}"
        arc.file(dest, open(real, "rb").read(), 0o755)
        elfs.append((dest, real))
        if tool == "busybox":
            arc.symlink("/usr/bin/sh", "busybox")  # /init's interpreter, before it links the applets
        if tool == "xtables-nft-multi":
            for name in IPTABLES_NAMES:
                arc.symlink(f"/usr/sbin/{name}", "xtables-nft-multi")
            xt = resolve(a.root, f"usr/lib/{triplet}/xtables")
            for f in sorted(os.listdir(xt)) if xt else []:
                real_so = os.path.join(xt, f)
                if f.endswith(".so") and os.path.isfile(real_so):
                    dest = f"/usr/lib/{triplet}/xtables/{f}"
                    arc.file(dest, open(real_so, "rb").read(), 0o755)
                    elfs.append((dest, real_so))
    add_with_libraries(arc, a.root, triplet, elfs)
    for etc in ("etc/protocols", "etc/services", "etc/ethertypes", "etc/mke2fs.conf"):
        real = resolve(a.root, etc)
        if real:
            arc.file("/" + etc, open(real, "rb").read())
    # getprotobynumber (iptables-save's `-p tcp`) needs NSS's files module: a separate library
    # before glibc 2.34, built into libc since.
    nss = resolve(a.root, f"usr/lib/{triplet}/libnss_files.so.2") or resolve(a.root, f"lib/{triplet}/libnss_files.so.2")
    if nss:
        arc.file(f"/usr/lib/{triplet}/libnss_files.so.2", open(nss, "rb").read(), 0o755)
    arc.file("/etc/nsswitch.conf", b"passwd: files\ngroup: files\nhosts: files\nprotocols: files\nservices: files\n")
    arc.file("/etc/hosts", b"127.0.0.1 localhost\n")
    arc.file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    arc.file("/etc/group", b"root:x:0:\n")
    arc.file("/etc/vm-triplet", (triplet + "\n").encode())
    version, count = add_modules(arc, a.kernel, a.modules.split())
    arc.write(a.out)
    print(f"initramfs base: {len(arc.entries)} entries, {count} modules of {version}, "
          f"{os.path.getsize(a.out) // 1024} KiB", file=sys.stderr)


def cmd_modules(a):
    arc = Archive()
    version, count = add_modules(arc, a.kernel, a.modules.split())
    arc.write(a.out)
    print(f"initramfs modules: {count} modules of {version}, {os.path.getsize(a.out) // 1024} KiB", file=sys.stderr)


def cmd_tree(a):
    arc = Archive()
    for dirpath, dirs, files in os.walk(a.src):
        rel = os.path.relpath(dirpath, a.src)
        for d in dirs:
            p = os.path.join(dirpath, d)
            if os.path.islink(p):
                arc.symlink(os.path.normpath(os.path.join(rel, d)), os.readlink(p))
            else:
                arc.dir(os.path.normpath(os.path.join(rel, d)), stat.S_IMODE(os.stat(p).st_mode))
        for f in files:
            p = os.path.join(dirpath, f)
            dest = os.path.normpath(os.path.join(rel, f))
            if os.path.islink(p):
                arc.symlink(dest, os.readlink(p))
            else:
                arc.file(dest, open(p, "rb").read(), stat.S_IMODE(os.stat(p).st_mode))
    arc.write(a.out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("base")
    for opt in ("--root", "--kernel", "--tools", "--modules", "--out"):
        b.add_argument(opt, required=True)
    m = sub.add_parser("modules")
    for opt in ("--kernel", "--modules", "--out"):
        m.add_argument(opt, required=True)
    t = sub.add_parser("tree")
    t.add_argument("--src", required=True)
    t.add_argument("--out", required=True)
    a = p.parse_args()
    {"base": cmd_base, "modules": cmd_modules, "tree": cmd_tree}[a.cmd](a)


if __name__ == "__main__":
    main()
