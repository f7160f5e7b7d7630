#ifndef POUW_COPENSSL_SHIM_H
#define POUW_COPENSSL_SHIM_H
// The low-level EC point API (used for ECVRF) is marked deprecated in OpenSSL 3 but remains supported;
// silence the attribute so that importing it into Swift does not produce warnings.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/obj_mac.h>
#include <openssl/crypto.h>
#endif
