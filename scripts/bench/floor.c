/* The floor of a flannel-chain ADD and DEL: exactly the kernel calls a pod needs, nothing else.
 *
 * scripts/lib/bench.py runs this static binary under the plugin names (flannel, bridge, portmap,
 * bandwidth) through the same client as the real plugins, interleaved with them pod by pod, and
 * reports each implementation's time over this one. It parses no JSON and reads no config: the bench's fixed
 * chain (bridge cni0, subnet 10.244.1.0/24, gateway .1, MTU 1450, hairpin, default route) is
 * compiled in, the pod's address is derived from the digits at the end of CNI_CONTAINERID, and
 * FLOOR_DIR names the directory holding subnet.env and the floor's own state.
 *
 * flannel/bridge ADD: read subnet.env (flannel); netlink sockets in the node and the pod netns;
 * the bridge looked up (created on the first pod); the veth pair created in one request with its
 * peer in the pod netns; the container end looked up (index, MAC); accept_ra of the host end;
 * the host end enslaved and up; hairpin; the reservation under the IPAM lock (one directory scan,
 * the record linked from an O_TMPFILE, last_reserved_ip replaced by rename); the pod's sysctls;
 * the container end up, its address and two routes; the gateway address on the bridge; ip_forward;
 * the host end read back (operstate, MAC); the saved delegate config linked from an O_TMPFILE
 * (flannel). DEL: the saved config read and removed (flannel), the reservation removed under the
 * lock, the container end deleted. portmap ADD and DEL: one `iptables-restore -w --noflush` batch
 * (port 20000 + the pod number), the shared chains with the floor's first ADD; ADD also sets
 * route_localnet on the bridge. bandwidth ADD and DEL: the tc messages of floor_tc.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "floor_netlink.h"
#include "floor_tc.h"

extern char **environ;

/* ---- files ---- */

static void write_sysctl(const char *path, const char *value) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (write(fd, value, strlen(value)) < 0) { /* best effort, as the plugins */ }
    close(fd);
}

static size_t read_file(const char *path, char *buf, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(path, errno);
    ssize_t n = read(fd, buf, size - 1);
    if (n < 0) die(path, errno);
    close(fd);
    buf[n] = 0;
    return (size_t)n;
}

/* The complete content linked to `name` (exclusive), as the suite writes new files. */
static void link_new(int dir, const char *name, const char *content) {
    int fd = openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) die("O_TMPFILE", errno);
    if (write(fd, content, strlen(content)) < 0) die("write", errno);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, dir, name, AT_SYMLINK_FOLLOW) != 0) die(name, errno);
    close(fd);
}

static int open_dir(const char *path) {
    mkdir(path, 0700);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) die(path, errno);
    return fd;
}

static int ipam_locked(const char *base, int *lock) {
    char path[4096];
    snprintf(path, sizeof path, "%s/ipam", base);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/ipam/cbr0", base);
    int dir = open_dir(path);
    *lock = openat(dir, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*lock < 0 || flock(*lock, LOCK_EX) != 0) die("ipam lock", errno);
    return dir;
}

/* ---- iptables-restore ---- */

static void restore(const char *batch) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) die("pipe", errno);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[0], 0);
    char *argv[] = {"iptables-restore", "-w", "10", "--noflush", NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    if (err) die("iptables-restore", err);
    close(p[0]);
    if (write(p[1], batch, strlen(batch)) < 0) die("write batch", errno);
    close(p[1]);
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) die("iptables-restore failed", EIO);
}

static void portmap(int add, const char *base, const char *cid, int pod) {
    char chain[32], batch[2048], rule[512], marker[4096];
    snprintf(chain, sizeof chain, "CNI-DN-%.21s", cid);
    snprintf(rule, sizeof rule,
             "CNI-HOSTPORT-DNAT -p tcp -m comment --comment \"dnat name: \\\"cbr0\\\" id: \\\"%s\\\"\" -m multiport --dports %d -j %s",
             cid, 20000 + pod, chain);
    if (add) {
        /* The shared chains and jumps come with the floor's first ADD (a warm-up pod in the
         * bench), known by a marker in its state directory: the real plugin reads the table. */
        snprintf(marker, sizeof marker, "%s/portmap-chains", base);
        int first = access(marker, F_OK) != 0;
        const char *shared = first
            ? ":CNI-HOSTPORT-SETMARK - [0:0]\n:CNI-HOSTPORT-MASQ - [0:0]\n:CNI-HOSTPORT-DNAT - [0:0]\n"
              "-A CNI-HOSTPORT-SETMARK -m comment --comment \"CNI portfwd masquerade mark\" -j MARK --set-xmark 0x2000/0x2000\n"
              "-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE\n"
              "-I POSTROUTING 1 -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ\n"
              "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n"
              "-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n"
            : "";
        snprintf(batch, sizeof batch,
                 "*nat\n%s:%s - [0:0]\n"
                 "-A %s -s 10.244.1.0/24 -p tcp -m tcp --dport %d -j CNI-HOSTPORT-SETMARK\n"
                 "-A %s -s 127.0.0.1/32 -p tcp -m tcp --dport %d -j CNI-HOSTPORT-SETMARK\n"
                 "-A %s -p tcp -m tcp --dport %d -j DNAT --to-destination 10.244.1.%d:80\n"
                 "-A %s\nCOMMIT\n",
                 shared, chain, chain, 20000 + pod, chain, 20000 + pod, chain, 20000 + pod, pod % 250 + 2, rule);
        restore(batch);
        if (first) close(open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        /* Hairpin to 127.0.0.1 hostPorts needs the bridge to route localnet (as the plugins set it). */
        write_sysctl("/proc/sys/net/ipv4/conf/cni0/route_localnet", "1");
    } else {
        snprintf(batch, sizeof batch, "*nat\n-D %s\n-F %s\n-X %s\nCOMMIT\n", rule, chain, chain);
        restore(batch);
    }
}

/* ---- the verbs ---- */

static void bridge_add(const char *base, const char *netns, const char *ifname, const char *cid, int pod, int flannel) {
    char path[4096], buf[4096];
    if (flannel) {
        snprintf(path, sizeof path, "%s/subnet.env", base);
        read_file(path, buf, sizeof buf);
    }
    int pod_ns = open(netns, O_RDONLY | O_CLOEXEC);
    int node_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (pod_ns < 0 || node_ns < 0) die("open netns", errno);
    int host = nl_socket();
    if (setns(pod_ns, CLONE_NEWNET) != 0) die("setns", errno);
    int inpod = nl_socket();
    if (setns(node_ns, CLONE_NEWNET) != 0) die("setns", errno);

    int bridge = ensure_bridge(host);

    /* The pair in one request, the peer named CNI_IFNAME straight in the pod netns. */
    uint32_t h = 2166136261u;
    for (const char *c = cid; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
    char host_name[IFNAMSIZ];
    snprintf(host_name, sizeof host_name, "veth%08x", h);
    struct req r;
    struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof *ifi);
    put_str(&r, IFLA_IFNAME, host_name);
    put_u32(&r, IFLA_MTU, mtu);
    put_u32(&r, IFLA_TXQLEN, 0);
    struct rtattr *info = nest(&r, IFLA_LINKINFO);
    put_str(&r, IFLA_INFO_KIND, "veth");
    struct rtattr *data = nest(&r, IFLA_INFO_DATA);
    struct rtattr *peer = nest(&r, VETH_INFO_PEER);
    r.h->nlmsg_len += NLMSG_ALIGN(sizeof(struct ifinfomsg));  /* the peer's ifinfomsg, zeroed */
    put_str(&r, IFLA_IFNAME, ifname);
    put_u32(&r, IFLA_MTU, mtu);
    put_u32(&r, IFLA_TXQLEN, 0);
    put_u32(&r, IFLA_NET_NS_FD, pod_ns);
    end(&r, peer);
    end(&r, data);
    end(&r, info);
    int err = talk(host, &r, NULL, 0);
    if (err) die("create veth", -err);

    struct link_info container;
    if (get_link(inpod, ifname, 0, &container)) die("container end vanished", ENODEV);
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_ra", host_name);
    write_sysctl(path, "0");
    set_link(host, container.parent, bridge);
    ifi = req_init(&r, RTM_SETLINK, 0, sizeof *ifi);
    ifi->ifi_family = AF_BRIDGE;
    ifi->ifi_index = container.parent;
    struct rtattr *proto = nest(&r, IFLA_PROTINFO);
    uint8_t on = 1;
    put(&r, IFLA_BRPORT_MODE, &on, 1);
    end(&r, proto);
    if ((err = talk(host, &r, NULL, 0))) die("hairpin", -err);

    /* IPAM: the reservation under the store's lock. */
    int lock;
    int dir = ipam_locked(base, &lock);
    DIR *d = fdopendir(dup(dir));
    if (!d) die("ipam dir", errno);
    while (readdir(d)) {}
    closedir(d);
    char ip[32], owner[300];
    snprintf(ip, sizeof ip, "10.244.1.%d", pod + 2);
    snprintf(owner, sizeof owner, "%s\r\n%s", cid, ifname);
    link_new(dir, ip, owner);
    int tmp = openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (tmp < 0 || write(tmp, ip, strlen(ip)) < 0) die("last_reserved_ip", errno);
    snprintf(path, sizeof path, "/proc/self/fd/%d", tmp);
    snprintf(buf, sizeof buf, ".last_reserved_ip.0.%d.tmp", getpid());
    if (linkat(AT_FDCWD, path, dir, buf, AT_SYMLINK_FOLLOW) != 0 || renameat(dir, buf, dir, "last_reserved_ip.0") != 0)
        die("last_reserved_ip", errno);
    close(tmp);
    close(lock);
    close(dir);

    /* The pod side. */
    if (setns(pod_ns, CLONE_NEWNET) != 0) die("setns", errno);
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_dad", ifname);
    write_sysctl(path, "0");
    snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/arp_notify", ifname);
    write_sysctl(path, "1");
    if (setns(node_ns, CLONE_NEWNET) != 0) die("setns", errno);
    set_link(inpod, container.index, 0);
    uint8_t addr[4] = {10, 244, 1, (uint8_t)(pod + 2)};
    add_address(inpod, container.index, addr, 0);
    static const uint8_t cluster[4] = {10, 244, 0, 0}, any[4] = {0};
    add_route(inpod, container.index, cluster, 16);
    add_route(inpod, container.index, any, 0);

    /* The node side: the gateway on the bridge, forwarding on. */
    add_address(host, bridge, gateway, 1);
    int fwd = open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC);
    if (fwd >= 0) {
        char v[4] = {0};
        if (read(fwd, v, sizeof v - 1) > 0 && v[0] != '1' && pwrite(fwd, "1", 1, 0) < 0) die("ip_forward", errno);
        close(fwd);
    }
    struct link_info port;
    if (get_link(host, NULL, container.parent, &port)) die("host end vanished", ENODEV);

    if (flannel) {
        snprintf(path, sizeof path, "%s/flannel", base);
        int fdir = open_dir(path);
        snprintf(buf, sizeof buf,
                 "{\"cniVersion\":\"1.0.0\",\"hairpinMode\":true,\"ipMasq\":false,\"ipam\":{\"dataDir\":\"%s/ipam\","
                 "\"ranges\":[[{\"subnet\":\"10.244.1.0/24\"}]],\"routes\":[{\"dst\":\"10.244.0.0/16\"}],\"type\":\"host-local\"},"
                 "\"isDefaultGateway\":true,\"isGateway\":true,\"mtu\":1450,\"name\":\"cbr0\",\"type\":\"bridge\"}",
                 base);
        link_new(fdir, cid, buf);
        close(fdir);
    }
    printf("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"%s\",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\","
           "\"sandbox\":\"%s\"}],\"ips\":[{\"address\":\"%s/24\",\"gateway\":\"10.244.1.1\",\"interface\":0}]}\n",
           ifname, container.mac[0], container.mac[1], container.mac[2], container.mac[3], container.mac[4],
           container.mac[5], netns, ip);
}

static void bridge_del(const char *base, const char *netns, const char *ifname, const char *cid, int pod, int flannel) {
    char path[4096], buf[4096];
    if (flannel) {
        snprintf(path, sizeof path, "%s/flannel/%s", base, cid);
        read_file(path, buf, sizeof buf);
        unlink(path);
    }
    int lock;
    int dir = ipam_locked(base, &lock);
    snprintf(buf, sizeof buf, "10.244.1.%d", pod + 2);
    unlinkat(dir, buf, 0);
    close(lock);
    close(dir);
    int pod_ns = open(netns, O_RDONLY | O_CLOEXEC);
    int node_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (pod_ns < 0 || node_ns < 0) die("open netns", errno);
    if (setns(pod_ns, CLONE_NEWNET) != 0) die("setns", errno);
    int inpod = nl_socket();
    if (setns(node_ns, CLONE_NEWNET) != 0) die("setns", errno);
    struct req r;
    req_init(&r, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
    put_str(&r, IFLA_IFNAME, ifname);
    int err = talk(inpod, &r, NULL, 0);
    if (err && err != -ENODEV) die("delete link", -err);
}

int main(int argc, char **argv) {
    (void)argc;
    char in[65536];
    while (read(0, in, sizeof in) > 0) {}
    const char *cmd = getenv("CNI_COMMAND"), *netns = getenv("CNI_NETNS"), *ifname = getenv("CNI_IFNAME");
    const char *cid = getenv("CNI_CONTAINERID"), *base = getenv("FLOOR_DIR");
    if (!cmd || !netns || !ifname || !cid || !base) die("CNI_COMMAND, CNI_NETNS, CNI_IFNAME, CNI_CONTAINERID, FLOOR_DIR", EINVAL);
    const char *digits = cid + strlen(cid);
    while (digits > cid && digits[-1] >= '0' && digits[-1] <= '9') digits--;
    int pod = atoi(digits) % 20000;
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    int add = strcmp(cmd, "ADD") == 0;
    if (!add && strcmp(cmd, "DEL") != 0) die("only ADD and DEL", EINVAL);
    if (strcmp(name, "bandwidth") == 0) {
        bandwidth(add, netns, ifname, cid);
        return 0;
    }
    if (strcmp(name, "portmap") == 0) {
        portmap(add, base, cid, pod);
        if (add) printf("{\"cniVersion\":\"1.0.0\"}\n");
        return 0;
    }
    if (pod > 250) die("pod number out of range (at most 250 pods)", ERANGE);
    int flannel = strcmp(name, "flannel") == 0;
    if (add) bridge_add(base, netns, ifname, cid, pod, flannel);
    else bridge_del(base, netns, ifname, cid, pod, flannel);
    return 0;
}
