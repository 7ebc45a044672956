/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * query: one server address for one run. It sends data-minimised requests
 * from a new socket each (RFC 9109), applies every reply check (RFC 5905
 * section 8, appendix A.5.1.1) as a named test, keeps the valid samples,
 * and paces itself: at most -p requests, 2 s apart unless the server says
 * `burst`.
 * An address this host cannot send to at all (no route, no such family)
 * is marked unreachable and asked nothing more.
 */
#ifndef TSET_ONESHOT_QUERY_H
#define TSET_ONESHOT_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "clock.h"
#include "estimate.h"
#include "keys.h"
#include "loop.h"
#include "netio.h"
#include "ntp_pkt.h"
#include "ntske.h"
#include "resolve.h"

/* Why a reply was not used. */
enum query_reject {
	QUERY_REJECT_NONE = 0,
	/* not shown to be ours: the request is still waiting */
	QUERY_REJECT_TRUNCATED, /* shorter than a header, or cut by the buffer */
	QUERY_REJECT_MALFORMED, /* the decoder refused it */
	QUERY_REJECT_SOURCE,	/* not from the address and port asked */
	QUERY_REJECT_MODE,	/* mode other than 4 (server) */
	QUERY_REJECT_ORIGIN,	/* origin is not our cookie */
	QUERY_REJECT_AUTH,	/* the server has a key and the reply no valid MAC of
				 * it (a crypto-NAK included): anyone could have sent it */
	QUERY_REJECT_DUPLICATE, /* a second reply to one request (a late first one is used) */
	/* the server's answer to our request, but useless as time */
	QUERY_REJECT_VERSION,	    /* not the version we sent */
	QUERY_REJECT_KOD,	    /* kiss-o'-death: never time */
	QUERY_REJECT_UNSYNC,	    /* leap indicator 3 */
	QUERY_REJECT_STRATUM,	    /* stratum 0 without a kiss, or above 15 */
	QUERY_REJECT_ZERO_TIME,	    /* receive or transmit timestamp zero */
	QUERY_REJECT_ROOT_DISTANCE, /* root delay / 2 + root dispersion >= maxdist */
	QUERY_REJECT_DELAY,	    /* round trip negative beyond the precision, or
				     * T4 before T1 (our clock stepped back) */
};

/* What the run shares with every query. */
struct query_env {
	struct loop *loop;
	const struct clock_ops *clock;
	double precision_s;	 /* local clock precision */
	double timeout_s;	 /* -t */
	unsigned max_samples;	 /* -p: requests per address */
	double maxdist_s;	 /* `tos maxdist`; 0: MAXDIST */
	bool *changed;		 /* set when a sample or a verdict arrives */
	struct tls_trust *trust; /* NTS: the trust anchors */
	struct resolve *res;	 /* NTS: for an NTP server the key exchange names */
};

/*
 * NTS (RFC 8915): the key exchange with the query's address, then NTP
 * requests to the server and port it names, each with a cookie and an
 * authenticator. A reply counts only when it echoes the request's unique
 * identifier and its authenticator opens; its new cookies are kept. A
 * failure at any step ends the query without time: never a fallback to
 * unauthenticated NTP.
 */
struct query_nts {
	struct ntske ke;
	char host[CONFIG_MAX_HOST]; /* the server's name, for its certificate */
	char ca_file[CONFIG_MAX_PATH];
	uint16_t ntp_port; /* when the key exchange names none; 0: 123 */
	bool ready;	   /* keys and an NTP address: requests may go */
	bool failed;	   /* error says why */
	bool resolving;	   /* the NTP server's name is being looked up */
	struct sockaddr_storage ntp_sa;
	socklen_t ntp_sa_len;
	struct nts_ke_cookie cookies[NTS_KE_MAX_COOKIES];
	unsigned n_cookies;
	uint8_t uid[NTS_UID_LEN]; /* of the latest request */
	/* what the latest reply checked gave */
	enum nts_ntp_verdict verdict;
	struct nts_ke_cookie rx[NTS_KE_MAX_COOKIES];
	unsigned n_rx;
	char error[192];
};

struct query {
	/* who */
	unsigned server; /* index of the configured server */
	struct sockaddr_storage sa;
	socklen_t sa_len;
	char addr[80];		    /* printable address */
	bool burst;		    /* requests back to back */
	unsigned version;	    /* NTP version sent and expected */
	const struct keys_key *key; /* requests carry its MAC, replies must: NULL, none */
	struct query_nts *nts;	    /* NTS, or NULL */
	const struct query_env *env;
	/* pacing */
	int fd;			  /* socket of the latest request, -1 */
	uint64_t cookie;	  /* its transmit timestamp */
	struct timespec t1;	  /* local time when it was sent */
	int64_t sent_ns, next_ns; /* CLOCK_MONOTONIC */
	unsigned n_sent;
	bool waiting;	  /* latest request within its timeout, not answered yet */
	bool answered;	  /* latest request had its reply (a later copy is a duplicate) */
	bool done;	  /* no more requests */
	bool unreachable; /* this host cannot send to it: no more requests */
	/* what came back */
	struct est_sample samples[NTP_NSTAGE];
	unsigned n_samples;
	unsigned n_late;    /* samples from replies that came after the timeout */
	struct ntp_pkt hdr; /* header of the latest valid reply */
	enum query_reject last_reject;
	struct ntp_pkt reject_hdr; /* header of the latest of those, when it was
				    * the server's answer (VERSION and later) */
	unsigned n_rejects;
	enum ntp_kiss kiss; /* a kiss that stopped this address */
	char kiss_code[5];
	bool crypto_nak; /* the latest AUTH rejection was a crypto-NAK */
	int error;	 /* the latest socket error, negative errno */
};

void query_init(struct query *q, const struct query_env *env, unsigned server,
		const struct sockaddr *sa, socklen_t sa_len, bool burst, unsigned version);
/* Authenticate with key (kept by the caller for the query's life). */
void query_set_key(struct query *q, const struct keys_key *key);
/* Authenticate with NTS: a key exchange with host (its certificate must
 * name it) at the query's address, trusting ca_file (NULL or "": the
 * system's store); NTP on ntp_port unless the exchange names another (0:
 * 123). Returns 0 or -ENOMEM. */
int query_set_nts(struct query *q, const char *host, const char *ca_file, uint16_t ntp_port);
/* Close the socket (unwatching it); the run does when it ends. */
void query_close(struct query *q);
/* Close everything and free what query_set_nts() took. */
void query_free(struct query *q);

/* When this query next wants query_tick() (CLOCK_MONOTONIC ns);
 * INT64_MAX when it is done. */
int64_t query_next_ns(const struct query *q);
/* Send what is due and handle a reply timeout, at now_ns. */
void query_tick(struct query *q, int64_t now_ns);

/*
 * The reply checks, in the order of enum query_reject, on
 * a datagram received on the query's socket. Fills *ret with the decoded
 * packet (when it decodes) and, when it passes, *ret_sample with what it
 * measures (offset, delay, dispersion).
 */
enum query_reject query_check_reply(const struct query *q, const uint8_t *buf,
				    const struct netio_dgram *dg, struct ntp_pkt *ret,
				    struct est_sample *ret_sample);

/*
 * A datagram received on the query's socket: checked (query_check_reply),
 * then a sample kept, a stopping kiss-o'-death (RATE, DENY, RSTR) ending
 * the query, or the rejection counted. The server's answer, even a useless
 * one, ends the request; anything else changes nothing but the counts.
 */
void query_receive(struct query *q, const uint8_t *buf, const struct netio_dgram *dg);

/* "bogus origin", "kiss-o'-death", ... */
const char *query_reject_str(enum query_reject r);

/* Why the latest rejected reply was useless, with what it said: "server
 * not synchronised (refid INIT)", "kiss-o'-death NTSN", else as
 * query_reject_str(). */
void query_reject_describe(const struct query *q, char *buf, size_t len);

/* Did err (a negative errno from socket, connect or send) come from this
 * host, saying that it cannot reach the address at all: no route
 * (ENETUNREACH, EHOSTUNREACH, a blackhole route's EINVAL, a link-local
 * address without its zone), no address of that family here
 * (EADDRNOTAVAIL, EAFNOSUPPORT), no such interface (ENODEV), or a local
 * rule forbids it (EACCES, EPERM)? An ICMP error read back later is the
 * network's answer, not this. */
bool query_errno_is_unreachable(int err);

/* Why an NTS query gave no time (its key exchange, its certificate's
 * dates, its cookies), or NULL. */
const char *query_nts_error(const struct query *q);

/* Has the address sent anything back: a sample, a rejected reply, a kiss? */
bool query_has_replied(const struct query *q);

#endif
