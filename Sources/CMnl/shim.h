#ifndef CMNL_SHIM_H
#define CMNL_SHIM_H
/* glibc headers first, then the kernel uapi headers (see docs: include order trap). */
#include <sys/types.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/vfs.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/veth.h>
#include <linux/if_ether.h>
#include <linux/magic.h>
#include <linux/net_namespace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/pkt_sched.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <libmnl/libmnl.h>

/* Function-like macros do not import into Swift: re-export them as inline functions. */
static inline uint16_t cmnl_nla_f_nested(void) { return NLA_F_NESTED; }
static inline uint16_t cmnl_nla_type_mask(void) { return (uint16_t)NLA_TYPE_MASK; }
static inline uint32_t cmnl_tc_h_make(uint32_t major, uint32_t minor) { return TC_H_MAKE(major, minor); }
/* struct tc_u32_sel ends in a flexible array (keys[]): its C size, without keys. */
static inline size_t cmnl_tc_u32_sel_size(void) { return sizeof(struct tc_u32_sel); }

#endif
