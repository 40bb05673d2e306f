/* The sparse-hart device tree, compiled by dtc at build time. */
	.section .rodata
	.balign 8
	.global sparse_harts_dtb, sparse_harts_dtb_end
sparse_harts_dtb:
	.incbin "sparse_harts.dtb"
sparse_harts_dtb_end:
