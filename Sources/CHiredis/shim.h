#ifndef TRADECTL_CHIREDIS_SHIM_H
#define TRADECTL_CHIREDIS_SHIM_H

#include <sys/select.h>
#include <sys/time.h>
#include <hiredis/hiredis.h>

/// The i-th element of an array reply.
static inline redisReply *_Nullable tc_reply_element(redisReply *_Nonnull r, size_t i) {
    return i < r->elements ? r->element[i] : NULL;
}

static inline const char *_Nonnull tc_redis_errstr(redisContext *_Nonnull c) { return c->errstr; }

static inline struct timeval tc_timeval_ms(long ms) {
    struct timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

#endif
