#ifndef PWSYNC_CKERBEROS_SHIM_H
#define PWSYNC_CKERBEROS_SHIM_H
/* Debian's MIT Kerberos (libkrb5-dev): the krb5 API for tickets, GSS-API to pick the cache. */
#include <krb5.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#endif
