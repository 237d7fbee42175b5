// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's reference model (see fvz_model.h): page-by-page loops only,
 * no cleverness, so that a disagreement with the core points at the core.
 */
#include <string.h>

#include "fvz_model.h"

void fvz_model_init(struct fvz_model *m, u64 base_page, u64 nunits,
		    unsigned int shift)
{
	memset(m, 0, sizeof(*m));
	m->base = base_page;
	m->n = nunits;
	m->shift = shift;
	m->next_rid = 1;
}

int fvz_model_span(const struct fvz_model *m, u64 addr, u64 len,
		   u64 *first, u64 *n)
{
	u64 page, npg, wpages = m->n << m->shift, unit = (u64)1 << m->shift;

	if (!len || (addr | len) & (FV_PAGE_SIZE - 1) || addr + len < addr)
		return -EINVAL;
	page = addr >> FV_PAGE_SHIFT;
	npg = len >> FV_PAGE_SHIFT;
	if (page < m->base || page - m->base >= wpages ||
	    npg > wpages - (page - m->base))
		return -EINVAL;
	if (((page - m->base) | npg) & (unit - 1))
		return -EDOM;
	*first = (page - m->base) >> m->shift;
	*n = npg >> m->shift;
	return 0;
}

int fvz_model_alloc_args(u64 len, u64 align, u32 rights)
{
	if (!len || (len & (FV_PAGE_SIZE - 1)))
		return -EINVAL;
	if (align && ((align & (align - 1)) || align < FV_PAGE_SIZE ||
		      align > ((u64)1 << FV_MAX_ALIGN_SHIFT)))
		return -EINVAL;
	if (!rights || (rights & ~FV_RIGHTS_MASK))
		return -EINVAL;
	return 0;
}

/* The lowest aligned fit of @n units, exactly (0 when none, else unit + 1). */
static u64 exact_fit(const struct fvz_model *m, u64 n, u64 apg)
{
	u64 p, run = 0;

	for (p = 0; p < m->n; p++) {
		if (m->rid[p]) {
			run = 0;
			continue;
		}
		run++;
		if (run >= n &&
		    !((m->base + ((p + 1 - n) << m->shift)) & (apg - 1)))
			return p + 2 - n;
	}
	return 0;
}

/*
 * Where fv_alloc() must put @n units aligned to @align bytes: the lowest
 * free run of n + align - 1 pages, at its first aligned unit (vmalloc's
 * policy), else the lowest exact aligned fit.  0 when none, else unit + 1.
 */
u64 fvz_model_lowest_fit(const struct fvz_model *m, u64 n, u64 align)
{
	u64 apg = align ? align >> FV_PAGE_SHIFT : 1, p, run = 0, start, need;

	if (n > m->n)
		return 0;
	/* Pages of slack, in units (a unit is 2^shift pages). */
	need = n + (((apg - 1) + ((u64)1 << m->shift) - 1) >> m->shift);
	if (apg > 1 && need <= m->n) {
		for (p = 0; p < m->n; p++) {
			if (m->rid[p]) {
				run = 0;
				continue;
			}
			run++;
			if (run < need)
				continue;
			/* The run's first unit, rounded up to the alignment. */
			start = m->base + ((p + 1 - run) << m->shift);
			start = (start + apg - 1) & ~(apg - 1);
			return ((start - m->base) >> m->shift) + 1;
		}
	}
	return exact_fit(m, n, apg);
}

u64 fvz_model_alloc(struct fvz_model *m, unsigned int d, u64 first, u64 n,
		    u32 rights)
{
	u64 p, rid = m->next_rid++;

	for (p = first; p < first + n; p++) {
		m->rid[p] = rid;
		memset(m->rights[p], 0, sizeof(m->rights[p]));
		m->rights[p][d] = rights | FV_OWNER;
	}
	return rid;
}

int fvz_model_share(struct fvz_model *m, unsigned int from, unsigned int to,
		    u64 addr, u64 len, u32 rights)
{
	u64 first, n, p;

	int ret = fvz_model_span(m, addr, len, &first, &n);

	if (ret)
		return ret;
	if (!rights || (rights & ~FV_RIGHTS_MASK) || from == to)
		return -EINVAL;
	for (p = first; p < first + n; p++)
		if (!m->rights[p][from])
			return -ENOENT;
	for (p = first; p < first + n; p++)
		if (m->rid[p] != m->rid[first])
			return -EINVAL;
	for (p = first; p < first + n; p++)
		if (rights & ~m->rights[p][from])
			return -EACCES;
	for (p = first; p < first + n; p++)
		if (m->rights[p][to])
			return -EEXIST;
	for (p = first; p < first + n; p++)
		m->rights[p][to] = rights;
	return 0;
}

static void drop(struct fvz_model *m, unsigned int d, u64 p, u8 *freed)
{
	unsigned int k;

	if (!m->rights[p][d])
		return;
	m->rights[p][d] = 0;
	for (k = 0; k < FVZ_NDOM; k++)
		if (m->rights[p][k])
			return;
	m->rid[p] = 0;
	freed[p] = 1;
}

int fvz_model_release(struct fvz_model *m, unsigned int d, u64 addr, u64 len,
		      u8 *freed)
{
	int held = 0, ret;
	u64 first, n, p;

	ret = fvz_model_span(m, addr, len, &first, &n);
	if (ret)
		return ret;
	for (p = first; p < first + n; p++)
		held |= !!m->rights[p][d];
	if (!held)
		return -ENOENT;
	for (p = first; p < first + n; p++)
		drop(m, d, p, freed);
	return 0;
}

void fvz_model_release_all(struct fvz_model *m, unsigned int d, u8 *freed)
{
	u64 p;

	for (p = 0; p < m->n; p++)
		drop(m, d, p, freed);
}

int fvz_model_holds_all(const struct fvz_model *m, unsigned int d, u64 addr,
			u64 len, u32 rights)
{
	u64 first, n, p;
	int ret;

	ret = fvz_model_span(m, addr, len, &first, &n);
	if (ret)
		return ret;
	for (p = first; p < first + n; p++)
		if (!m->rights[p][d])
			return -ENOENT;
	for (p = first; p < first + n; p++)
		if (rights & ~m->rights[p][d])
			return -EACCES;
	return 0;
}

int fvz_model_rights_cover(const struct fvz_model *m, unsigned int from,
			   unsigned int to, u64 addr, u64 len)
{
	u64 first, n, p;
	int ret;

	ret = fvz_model_span(m, addr, len, &first, &n);
	if (ret)
		return ret;
	for (p = first; p < first + n; p++)
		if (m->rights[p][to] & ~m->rights[p][from])
			return 0;
	return 1;
}

/* Pages @p and @q belong to one extent: same range, same holders. */
static int same_extent(const struct fvz_model *m, u64 p, u64 q)
{
	unsigned int k;

	if (!m->rid[p] || m->rid[p] != m->rid[q])
		return 0;
	for (k = 0; k < FVZ_NDOM; k++)
		if (m->rights[p][k] != m->rights[q][k])
			return 0;
	return 1;
}

void fvz_model_page(const struct fvz_model *m, u64 p,
		    struct fvz_page_info *info)
{
	u64 s = p, e = p;
	unsigned int k;

	while (s > 0 && same_extent(m, s - 1, p))
		s--;
	while (e + 1 < m->n && same_extent(m, e + 1, p))
		e++;
	info->rid = m->rid[p];
	info->ext_first = s;
	info->ext_n = e - s + 1;
	info->nholders = 0;
	for (k = 0; k < FVZ_NDOM; k++)
		info->nholders += !!m->rights[p][k];
}

void fvz_model_piece(const struct fvz_model *m, u64 p, u64 *first, u64 *n)
{
	u64 s = p, e = p;

	while (s > 0 && m->rid[s - 1] == m->rid[p])
		s--;
	while (e + 1 < m->n && m->rid[e + 1] == m->rid[p])
		e++;
	*first = s;
	*n = e - s + 1;
}

void fvz_model_stats(const struct fvz_model *m, struct fvz_model_stats *st)
{
	unsigned int k, ushift = m->shift + FV_PAGE_SHIFT;
	u64 p, run = 0;

	memset(st, 0, sizeof(*st));
	for (p = 0; p < m->n; p++) {
		if (!m->rid[p]) {
			st->free_bytes += (u64)1 << ushift;
			run++;
			if (!p || m->rid[p - 1])
				st->nfree++;
			if (run << ushift > st->largest_free)
				st->largest_free = run << ushift;
			continue;
		}
		run = 0;
		for (k = 0; k < FVZ_NDOM; k++)
			if (m->rights[p][k])
				st->dom_npages[k] += (u64)1 << m->shift;
		if (p && same_extent(m, p - 1, p))
			continue;
		st->nextents++;
		for (k = 0; k < FVZ_NDOM; k++) {
			if (m->rights[p][k]) {
				st->nholders++;
				st->dom_nholds[k]++;
			}
		}
	}
}
