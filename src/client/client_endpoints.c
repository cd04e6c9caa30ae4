/* The endpoints of client connections: source and destination of connection `index`
 * (round-robin over --bind, DSTIP addresses and --port ports), the socket spec that opens
 * it, and the kernel view's filter. Uses lib/ only: the engine and every strategy call it. */
#include "client/client_endpoints.h"

#include <sys/socket.h>

const struct endpoint *client_source(const struct client_opts *o, uint64_t index,
				     struct endpoint *src)
{
	if (o->bind_name)
		addrlist_get(&o->binds, index, src);
	else if (o->source_port)
		parse_ip_literal(o->dst.addr.ss_family == AF_INET6 ? "::" : "0.0.0.0", 0, src,
				 &(const char *){NULL});
	else
		return NULL;
	endpoint_set_port(src, o->source_port);
	return src;
}

/* The destination of connection `index`: DSTIP addresses x --port ports, round-robin. */
static void client_destination(const struct client_opts *o, uint64_t index, struct endpoint *dst)
{
	uint64_t i = index % (o->dsts.total * o->ports.total);
	addrlist_get(&o->dsts, i % o->dsts.total, dst);
	endpoint_set_port(dst, portlist_get(&o->ports, i / o->dsts.total));
}

void client_sock_spec(const struct client_opts *o, uint64_t index, struct endpoint *src,
		      struct endpoint *dst, struct sock_client_spec *spec)
{
	if (o->dsts.total * o->ports.total == 1)
		*dst = o->dst;
	else
		client_destination(o, index, dst);
	*spec = (struct sock_client_spec){
		.dst = dst, .src = client_source(o, index, src), .reuseport = o->reuseport,
		.reuseaddr = o->reuseaddr, .linger_rst = o->linger, .bind_no_port = o->bind_no_port,
		.freebind = o->freebind,
		.port_lo = o->port_lo, .port_hi = o->port_hi};
}

int client_open(const struct client_opts *o, uint64_t index, int *fd, enum fail_stage *stage)
{
	static const enum fail_stage stage_of[] = {
		[SOCK_STEP_SOCKET] = STAGE_SOCKET, [SOCK_STEP_OPTION] = STAGE_SOCKOPT,
		[SOCK_STEP_BIND] = STAGE_BIND, [SOCK_STEP_CONNECT] = STAGE_CONNECT};
	struct endpoint src, dst;
	struct sock_client_spec spec;
	enum sock_step step;
	client_sock_spec(o, index, &src, &dst, &spec);
	int err = sock_open_client(&spec, fd, &step);
	if (err)
		*stage = stage_of[step];
	return err;
}

void client_tw_filter(const struct client_opts *o, struct sockdiag_filter *f)
{
	*f = (struct sockdiag_filter){
		.family = o->dst.addr.ss_family, .end = PORT_REMOTE,
		.port = o->ports.total == 1 ? o->port : 0,
		.remote = o->dsts.total == 1 ? &o->dst.addr : NULL};
}
