/* The floor benchmark's netlink and shared helpers (scripts/bench/floor.c): requests built by hand,
 * one answer or ack per request, the bench chain's constants. Not a library: the floor only. */
#ifndef FLOOR_NETLINK_H
#define FLOOR_NETLINK_H
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The bench's chain, compiled in. */
static const char *bridge_name = "cni0";
static const unsigned mtu = 1450;
static const uint8_t gateway[4] = {10, 244, 1, 1};

static void die(const char *what, int err) {
    printf("{\"code\":999,\"msg\":\"floor: %s: %s\"}\n", what, strerror(err));
    exit(1);
}

/* ---- netlink ---- */

struct req {
    struct nlmsghdr *h;
    char buf[1024];
};

static void *req_init(struct req *r, int type, int flags, size_t header) {
    memset(r->buf, 0, sizeof r->buf);
    r->h = (struct nlmsghdr *)r->buf;
    r->h->nlmsg_len = NLMSG_LENGTH(header);
    r->h->nlmsg_type = type;
    r->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    return NLMSG_DATA(r->h);
}

static struct rtattr *put(struct req *r, int type, const void *data, size_t len) {
    struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->h->nlmsg_len));
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    r->h->nlmsg_len = NLMSG_ALIGN(r->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
}

static void put_u32(struct req *r, int type, uint32_t v) { put(r, type, &v, 4); }
static void put_str(struct req *r, int type, const char *s) { put(r, type, s, strlen(s) + 1); }
static struct rtattr *nest(struct req *r, int type) { return put(r, type | NLA_F_NESTED, NULL, 0); }
static void end(struct req *r, struct rtattr *a) { a->rta_len = (char *)r->h + r->h->nlmsg_len - (char *)a; }

/* Sends the request; returns 0 or -errno from the ack. With `reply`, copies the first answer. */
static int talk(int fd, struct req *r, void *reply, size_t reply_len) {
    static uint32_t seq;
    r->h->nlmsg_seq = ++seq;
    if (send(fd, r->buf, r->h->nlmsg_len, 0) < 0) die("netlink send", errno);
    char in[8192];
    for (;;) {
        ssize_t n = recv(fd, in, sizeof in, 0);
        if (n < 0) die("netlink recv", errno);
        for (struct nlmsghdr *h = (struct nlmsghdr *)in; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_ERROR) return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
            if (reply && h->nlmsg_len <= reply_len) memcpy(reply, h, h->nlmsg_len);
        }
    }
}

static int nl_socket(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) die("netlink socket", errno);
    int one = 1;
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    return fd;
}

struct link_info {
    int index, parent;
    unsigned flags;
    uint8_t mac[6];
};

static int get_link(int fd, const char *name, int index, struct link_info *out) {
    struct req r;
    struct ifinfomsg *ifi = req_init(&r, RTM_GETLINK, 0, sizeof *ifi);
    ifi->ifi_index = index;
    if (name) put_str(&r, IFLA_IFNAME, name);
    put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    char reply[8192];
    struct nlmsghdr *h = (struct nlmsghdr *)reply;
    h->nlmsg_type = 0;
    int err = talk(fd, &r, reply, sizeof reply);
    if (err) return err;
    if (h->nlmsg_type != RTM_NEWLINK) return -ENODEV;
    struct ifinfomsg *got = NLMSG_DATA(h);
    memset(out, 0, sizeof *out);
    out->index = got->ifi_index;
    out->flags = got->ifi_flags;
    int len = IFLA_PAYLOAD(h);
    for (struct rtattr *a = IFLA_RTA(got); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFLA_LINK) out->parent = *(int *)RTA_DATA(a);
        if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6) memcpy(out->mac, RTA_DATA(a), 6);
    }
    return 0;
}

static void set_link(int fd, int index, int master) {
    struct req r;
    struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof *ifi);
    ifi->ifi_index = index;
    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    if (master) put_u32(&r, IFLA_MASTER, master);
    int err = talk(fd, &r, NULL, 0);
    if (err) die("set link", -err);
}

static void add_address(int fd, int index, const uint8_t ip[4], int exclusive) {
    struct req r;
    struct ifaddrmsg *ifa = req_init(&r, RTM_NEWADDR, NLM_F_CREATE | (exclusive ? NLM_F_EXCL : NLM_F_REPLACE), sizeof *ifa);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = 24;
    ifa->ifa_index = index;
    put(&r, IFA_LOCAL, ip, 4);
    put(&r, IFA_ADDRESS, ip, 4);
    uint8_t brd[4] = {ip[0], ip[1], ip[2], 255};
    put(&r, IFA_BROADCAST, brd, 4);
    int err = talk(fd, &r, NULL, 0);
    if (err && !(exclusive && err == -EEXIST)) die("add address", -err);
}

static void add_route(int fd, int index, const uint8_t dst[4], int prefix) {
    struct req r;
    struct rtmsg *rt = req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof *rt);
    rt->rtm_family = AF_INET;
    rt->rtm_dst_len = prefix;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    if (prefix) put(&r, RTA_DST, dst, 4);
    put(&r, RTA_GATEWAY, gateway, 4);
    put_u32(&r, RTA_OIF, index);
    int err = talk(fd, &r, NULL, 0);
    if (err) die("add route", -err);
}

static int ensure_bridge(int fd) {
    struct link_info br;
    if (get_link(fd, bridge_name, 0, &br) == 0) return br.index;
    struct req r;
    struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof *ifi);
    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    put_str(&r, IFLA_IFNAME, bridge_name);
    put_u32(&r, IFLA_MTU, mtu);
    struct rtattr *info = nest(&r, IFLA_LINKINFO);
    put_str(&r, IFLA_INFO_KIND, "bridge");
    end(&r, info);
    int err = talk(fd, &r, NULL, 0);
    if (err && err != -EEXIST) die("create bridge", -err);
    if (get_link(fd, bridge_name, 0, &br)) die("bridge vanished", ENODEV);
    set_link(fd, br.index, 0);
    return br.index;
}

#endif
