#ifndef POUW_CLMDB_SHIM_H
#define POUW_CLMDB_SHIM_H
#include <lmdb.h>
#endif
