/* The floor's bandwidth (scripts/bench/floor.c): the tc messages one pod's shaping needs, over
 * rtnetlink, the same ones the bandwidth plugin sends, and nothing else. Not a library: the floor only.
 *
 * ADD (the bench's k3s chain shapes both ways, rate 100 Mbit, the runtimes' default burst): read
 * /proc/net/psched (the tbf's buffer is in its ticks); the pod's CNI_IFNAME looked up in the pod
 * netns for its peer (the host veth); a root tbf 1: on the host veth (create or replace); the ifb
 * created down (MTU 1450, txqueuelen 0) and looked up (index, MAC); a root tbf 1: on the ifb;
 * the ifb up; an ingress qdisc ffff: on the host veth; a u32 match-all filter under it with one
 * mirred redirect to the ifb. DEL: the ifb deleted by name (the veth's qdiscs go with the veth).
 */
#ifndef FLOOR_TC_H
#define FLOOR_TC_H
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/if_ether.h>
#include "floor_netlink.h"

static const uint64_t shaping_rate = 100000000, shaping_burst = 4294967295u;

static uint32_t saturated(double v) { return v <= 0 ? 0 : v >= 4294967296.0 ? UINT32_MAX : (uint32_t)v; }

/* root tbf 1: on `index` (rate, limit, buffer as the plugin computes them). */
static void add_tbf(int fd, int index, double ticks_per_us, int replace) {
    uint64_t rate = shaping_rate / 8, burst = shaping_burst / 8;
    struct tc_tbf_qopt q;
    memset(&q, 0, sizeof q);
    q.rate.rate = (uint32_t)rate;
    q.buffer = saturated((double)saturated((double)burst * 1e6 / (double)rate) * ticks_per_us);
    uint64_t limit = (uint64_t)saturated((double)rate * 25000 / 1e6) + burst;
    q.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
    struct req r;
    struct tcmsg *t = req_init(&r, RTM_NEWQDISC, NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL), sizeof *t);
    t->tcm_family = AF_UNSPEC;
    t->tcm_ifindex = index;
    t->tcm_handle = 0x10000;
    t->tcm_parent = TC_H_ROOT;
    put_str(&r, TCA_KIND, "tbf");
    struct rtattr *o = nest(&r, TCA_OPTIONS);
    put(&r, TCA_TBF_PARMS, &q, sizeof q);
    end(&r, o);
    int err = talk(fd, &r, NULL, 0);
    if (err) die("tbf", -err);
}

static void add_ingress(int fd, int index) {
    struct req r;
    struct tcmsg *t = req_init(&r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, sizeof *t);
    t->tcm_ifindex = index;
    t->tcm_handle = 0xffff0000;
    t->tcm_parent = TC_H_INGRESS;
    put_str(&r, TCA_KIND, "ingress");
    int err = talk(fd, &r, NULL, 0);
    if (err) die("ingress qdisc", -err);
}

static void add_redirect(int fd, int index, int target) {
    struct req r;
    struct tcmsg *t = req_init(&r, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, sizeof *t);
    t->tcm_ifindex = index;
    t->tcm_parent = 0xffff0000;
    t->tcm_info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL));  /* priority 1, every protocol */
    put_str(&r, TCA_KIND, "u32");
    struct rtattr *o = nest(&r, TCA_OPTIONS);
    struct {
        struct tc_u32_sel sel;
        struct tc_u32_key key;
    } sel;
    memset(&sel, 0, sizeof sel);
    sel.sel.flags = TC_U32_TERMINAL;
    sel.sel.nkeys = 1;
    put(&r, TCA_U32_SEL, &sel, sizeof sel);
    put_u32(&r, TCA_U32_CLASSID, 0x10001);
    struct rtattr *acts = nest(&r, TCA_U32_ACT);
    struct rtattr *first = nest(&r, 1);
    put_str(&r, TCA_ACT_KIND, "mirred");
    struct rtattr *ao = nest(&r, TCA_ACT_OPTIONS);
    struct tc_mirred m;
    memset(&m, 0, sizeof m);
    m.action = TC_ACT_STOLEN;
    m.eaction = TCA_EGRESS_REDIR;
    m.ifindex = (uint32_t)target;
    put(&r, TCA_MIRRED_PARMS, &m, sizeof m);
    end(&r, ao);
    end(&r, first);
    end(&r, acts);
    end(&r, o);
    int err = talk(fd, &r, NULL, 0);
    if (err) die("redirect filter", -err);
}

static void ifb_name(const char *cid, char *out, size_t size) {
    uint32_t h = 2166136261u;
    for (const char *c = cid; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
    snprintf(out, size, "bwp%08x", h);
}

static void bandwidth(int add, const char *netns, const char *ifname, const char *cid) {
    char ifb[IFNAMSIZ];
    ifb_name(cid, ifb, sizeof ifb);
    int host = nl_socket();
    struct req r;
    if (!add) {
        req_init(&r, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
        put_str(&r, IFLA_IFNAME, ifb);
        int err = talk(host, &r, NULL, 0);
        if (err && err != -ENODEV) die("delete ifb", -err);
        printf("{}\n");
        return;
    }
    char text[128];
    int fd = open("/proc/net/psched", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    if (n <= 0) die("/proc/net/psched", errno);
    close(fd);
    text[n] = 0;
    unsigned t2us, us2t, res;
    if (sscanf(text, "%x %x %x", &t2us, &us2t, &res) != 3 || us2t == 0) die("/proc/net/psched", EINVAL);
    if (res == 1000000000) t2us = us2t;
    double ticks = (double)t2us / us2t * (res / 1e6);

    int pod_ns = open(netns, O_RDONLY | O_CLOEXEC);
    int node_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (pod_ns < 0 || node_ns < 0) die("open netns", errno);
    if (setns(pod_ns, CLONE_NEWNET) != 0) die("setns", errno);
    int inpod = nl_socket();
    if (setns(node_ns, CLONE_NEWNET) != 0) die("setns", errno);
    struct link_info pod, dev;
    if (get_link(inpod, ifname, 0, &pod) || pod.parent <= 0) die("container end", ENODEV);
    int veth = pod.parent;

    add_tbf(host, veth, ticks, 1);
    struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof *ifi);
    put_str(&r, IFLA_IFNAME, ifb);
    put_u32(&r, IFLA_MTU, mtu);
    put_u32(&r, IFLA_TXQLEN, 0);
    struct rtattr *info = nest(&r, IFLA_LINKINFO);
    put_str(&r, IFLA_INFO_KIND, "ifb");
    end(&r, info);
    int err = talk(host, &r, NULL, 0);
    if (err) die("create ifb", -err);
    if (get_link(host, ifb, 0, &dev)) die("ifb vanished", ENODEV);
    add_tbf(host, dev.index, ticks, 0);
    set_link(host, dev.index, 0);
    add_ingress(host, veth);
    add_redirect(host, veth, dev.index);
    printf("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"%s\",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"}]}\n", ifb,
           dev.mac[0], dev.mac[1], dev.mac[2], dev.mac[3], dev.mac[4], dev.mac[5]);
}

#endif
