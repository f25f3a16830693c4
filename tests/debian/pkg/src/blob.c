/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An ELF program shipped as data by the Architecture: all package. */
int main(void)
{
	return 0;
}
