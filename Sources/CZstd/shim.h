#ifndef POUW_CZSTD_SHIM_H
#define POUW_CZSTD_SHIM_H
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zdict.h>
#include <zstd_errors.h>
#endif
