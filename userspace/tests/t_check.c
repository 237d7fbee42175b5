// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the invariant checker itself: each case breaks one
 * invariant of a healthy arena by hand, expects fv_check() to say
 * -EUCLEAN, puts it back and expects 0 again.
 */
#include <fcntl.h>
#include <unistd.h>

#include "fvt.h"

#define W	0x100000ull

/*
 * Layout: r (8 pages) held by d0 RW whole and by d1 R on [0,4), RW on
 * [4,8): two extents of two holders each; the rest of the 32-page window
 * is one free segment.
 */
struct victim {
	struct fx fx;
	struct fv_seg *e0, *e1, *free;
};

static struct fv_seg *seg_at(struct fx *fx, u64 addr)
{
	struct fv_rb_node *n;

	for (n = fv_rb_first(&fx->a.segs); n; n = fv_rb_next(n)) {
		struct fv_seg *s = fv_rb_entry(n, struct fv_seg, rb);

		if (addr >> FV_PAGE_SHIFT >= s->start &&
		    (addr >> FV_PAGE_SHIFT) - s->start < s->npages)
			return s;
	}
	CHECK(0, "no segment at %#llx", (unsigned long long)addr);
}

/* fv_check() with its reports silenced; stderr comes back afterwards. */
static int quiet_check(struct fv_arena *a)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY), rc;

	CHECK(saved >= 0 && null >= 0, "cannot silence stderr");
	fflush(stderr);
	dup2(null, 2);
	rc = fv_check(a);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	return rc;
}

enum {
	C_FREE_LEN, C_EXT_LEN, C_NHOLDERS, C_HOLDER_ORDER, C_HOLDER_START,
	C_RIGHTS_ZERO, C_NOT_CANONICAL, C_SL_MAP, C_FL_MAP, C_COLOUR,
	C_A_NHOLDERS, C_A_FREE_PAGES, C_A_NFREE, C_A_NUSED, C_D_NPAGES,
	C_D_NHOLDS, C_USED_FLAG, C_COUNT
};

static const char *const corruption_name[C_COUNT] = {
	"free segment one page too long", "extent one page too long",
	"extent holder count", "holders out of domain-id order",
	"holder start differs from its extent", "holder without rights",
	"neighbouring extents with equal holders", "second-level bitmap",
	"first-level bitmap", "red root", "arena holder counter",
	"arena free-page counter", "arena free-segment counter",
	"arena extent counter", "domain page counter", "domain hold counter",
	"free segment marked used",
};

/* The plain counter fields some corruptions bump by one. */
static u64 *u64_field(struct victim *v, unsigned int which)
{
	switch (which) {
	case C_FREE_LEN:	return &v->free->npages;
	case C_EXT_LEN:		return &v->e0->npages;
	case C_A_NHOLDERS:	return &v->fx.a.nholders;
	case C_A_FREE_PAGES:	return &v->fx.a.free_pages;
	case C_A_NFREE:		return &v->fx.a.nfree;
	case C_A_NUSED:		return &v->fx.a.nused;
	case C_D_NPAGES:	return &v->fx.d[1].npages;
	case C_D_NHOLDS:	return &v->fx.d[0].nholds;
	}
	return NULL;
}

static void check_corruptions(void)
{
	struct victim v;
	struct fx *fx = &v.fx;
	unsigned int c;
	u64 r;

	fx_init(fx, W, PG(32), 2);
	r = FX_ALLOC(fx, 0, PG(8), 0, RW);
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[1], r, PG(4), FV_READ), 0);
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[1], r + PG(4), PG(4), RW), 0);
	v.e0 = seg_at(fx, r);
	v.e1 = seg_at(fx, r + PG(4));
	v.free = seg_at(fx, r == W ? W + PG(8) : W);
	CHECK(v.e0->nholders == 2 && v.e1->nholders == 2 && !v.free->used &&
	      v.free->npages == 24, "unexpected layout");
	CHECK_RC(fv_check(&fx->a), 0);
	for (c = 0; c < C_COUNT; c++) {
		struct fv_holder *h0 = v.e0->u.ext.holders, *h1 = h0->next;
		unsigned long colour = fx->a.segs.node->parent_color;
		u32 sl_map[FV_FL_COUNT], fl_map = fx->a.fl_map, rights, r_h1;
		u64 *field = u64_field(&v, c), saved = field ? *field : 0;

		memcpy(sl_map, fx->a.sl_map, sizeof(sl_map));
		rights = v.e1->u.ext.holders->next->rights;
		r_h1 = h1->rights;
		switch (c) {
		case C_NHOLDERS:
			v.e0->nholders = 3;
			break;
		case C_HOLDER_ORDER:
			v.e0->u.ext.holders = h1;
			h1->next = h0;
			h0->next = NULL;
			break;
		case C_HOLDER_START:
			h0->start++;
			break;
		case C_RIGHTS_ZERO:
			h1->rights = 0;
			break;
		case C_NOT_CANONICAL:
			/* d1 R on both halves: they should be one extent. */
			v.e1->u.ext.holders->next->rights = FV_READ;
			break;
		case C_SL_MAP:
			memset(fx->a.sl_map, 0, sizeof(fx->a.sl_map));
			break;
		case C_FL_MAP:
			fx->a.fl_map = 0;
			break;
		case C_COLOUR:
			fx->a.segs.node->parent_color ^= 1;
			break;
		case C_USED_FLAG:
			v.free->used = 1;
			break;
		default:
			CHECK(field, "corruption %u has no field", c);
			(*field)++;
			break;
		}
		CHECK(quiet_check(&fx->a) == -EUCLEAN,
		      "fv_check() missed: %s", corruption_name[c]);
		switch (c) {
		case C_NHOLDERS:
			v.e0->nholders = 2;
			break;
		case C_HOLDER_ORDER:
			v.e0->u.ext.holders = h0;
			h0->next = h1;
			h1->next = NULL;
			break;
		case C_HOLDER_START:
			h0->start--;
			break;
		case C_RIGHTS_ZERO:
			h1->rights = r_h1;
			break;
		case C_NOT_CANONICAL:
			v.e1->u.ext.holders->next->rights = rights;
			break;
		case C_SL_MAP:
		case C_FL_MAP:
			memcpy(fx->a.sl_map, sl_map, sizeof(sl_map));
			fx->a.fl_map = fl_map;
			break;
		case C_COLOUR:
			fx->a.segs.node->parent_color = colour;
			break;
		case C_USED_FLAG:
			v.free->used = 0;
			break;
		default:
			*field = saved;
			break;
		}
		CHECK(fv_check(&fx->a) == 0, "fv_check() fails after undoing: %s",
		      corruption_name[c]);
	}
	fx_fini(fx);
}

const struct fvt_case fvt_check_cases[] = {
	{ "check_corruptions", check_corruptions },
	{ NULL, NULL },
};
