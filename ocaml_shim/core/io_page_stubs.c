/* SPDX-License-Identifier: ISC */
/* Io_page.get: page-aligned, zeroed memory as a managed char Bigarray (freed by the GC with free()).
 * Page alignment keeps every header field naturally aligned, as the ordered accesses need. */
#include <stdlib.h>
#include <string.h>
#include <caml/bigarray.h>
#include <caml/fail.h>
#include <caml/mlvalues.h>

value mnoc_io_page_alloc(value npages)
{
	intnat n = Long_val(npages);
	void *p = NULL;

	if (n <= 0 || n > (1 << 20))
		caml_invalid_argument("Io_page.get: page count out of range");
	if (posix_memalign(&p, 4096, (size_t)n * 4096) != 0)
		caml_raise_out_of_memory();
	memset(p, 0, (size_t)n * 4096);
	return caml_ba_alloc_dims(CAML_BA_CHAR | CAML_BA_C_LAYOUT | CAML_BA_MANAGED, 1, p, n * 4096);
}
