/*
 * What a new directory connection costs pwsync, by bind kind, with the same libldap calls:
 * N times connect (+ TLS or not), bind, one user search, unbind; then, on one bound connection,
 * M user searches (what every push does first). Prints "connect_bind_p50_ms connect_bind_mean_ms
 * search_p50_ms" for the mode.
 *
 * Usage: bind-cost MODE URL CA_FILE BASE FILTER N M [BIND_DN BIND_PW_FILE]
 *   MODE: simple (password over TLS), gssapi-tls (GSSAPI inside TLS, no SASL layer),
 *         gssapi-sealed (GSSAPI confidentiality on plain ldap://). ldap:// URLs get StartTLS unless
 *         sealed. GSSAPI uses the tickets in $KRB5CCNAME, as pwsync uses its in-memory cache.
 */
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <sasl/sasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, int rc) {
  fprintf(stderr, "bind-cost: %s: %s\n", what, ldap_err2string(rc));
  exit(1);
}

static int interact(LDAP *ld, unsigned flags, void *defaults, void *in) {
  (void)ld; (void)flags; (void)defaults;
  for (sasl_interact_t *p = in; p->id != SASL_CB_LIST_END; p++) {
    p->result = p->defresult ? p->defresult : "";
    p->len = strlen(p->result);
  }
  return LDAP_SUCCESS;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 8) { fprintf(stderr, "usage: bind-cost MODE URL CA BASE FILTER N M [BIND_DN PW_FILE]\n"); return 2; }
  const char *mode = argv[1], *url = argv[2], *ca = argv[3], *base = argv[4], *filter = argv[5];
  int n = atoi(argv[6]), m = atoi(argv[7]);
  char pw[512] = "";
  if (strcmp(mode, "simple") == 0) {
    FILE *f = fopen(argv[9], "r");
    if (!f || !fgets(pw, sizeof pw, f)) { fprintf(stderr, "bind-cost: cannot read %s\n", argv[9]); return 1; }
    fclose(f);
    pw[strcspn(pw, "\n")] = 0;
  }
  int sealed = strcmp(mode, "gssapi-sealed") == 0;
  double *t = calloc(n > m ? n : m, sizeof *t);
  LDAP *keep = NULL;
  for (int i = 0; i < n; i++) {
    double t0 = now();
    LDAP *ld;
    int v = LDAP_VERSION3, hard = LDAP_OPT_X_TLS_HARD, zero = 0, rc;
    if ((rc = ldap_initialize(&ld, url)) != LDAP_SUCCESS) die("initialize", rc);
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca);
    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &hard);
    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
    if (!sealed && strncmp(url, "ldap://", 7) == 0 && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) die("starttls", rc);
    if (strcmp(mode, "simple") == 0) {
      struct berval cred = {strlen(pw), pw};
      if ((rc = ldap_sasl_bind_s(ld, argv[8], LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL)) != LDAP_SUCCESS) die("bind", rc);
    } else {
      ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON);
      ldap_set_option(ld, LDAP_OPT_X_SASL_SECPROPS, sealed ? "minssf=56" : "maxssf=0");
      if ((rc = ldap_sasl_interactive_bind_s(ld, NULL, "GSSAPI", NULL, NULL, LDAP_SASL_QUIET, interact, NULL)) != LDAP_SUCCESS)
        die("GSSAPI bind", rc);
    }
    LDAPMessage *res = NULL;
    char *attrs[] = {"1.1", NULL};
    if ((rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, NULL, 0, &res)) != LDAP_SUCCESS) die("search", rc);
    ldap_msgfree(res);
    t[i] = (now() - t0) * 1000;
    if (i == n - 1) keep = ld; else ldap_unbind_ext_s(ld, NULL, NULL);
  }
  double sum = 0;
  for (int i = 0; i < n; i++) sum += t[i];
  qsort(t, n, sizeof *t, cmp);
  double bind_p50 = t[n / 2], bind_mean = sum / n;
  for (int i = 0; i < m; i++) {
    double t0 = now();
    LDAPMessage *res = NULL;
    char *attrs[] = {"objectGUID", "sAMAccountName", "userAccountControl", NULL};
    int rc = ldap_search_ext_s(keep, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, NULL, 0, &res);
    if (rc != LDAP_SUCCESS) die("search", rc);
    ldap_msgfree(res);
    t[i] = (now() - t0) * 1000;
  }
  qsort(t, m, sizeof *t, cmp);
  printf("%.2f %.2f %.3f\n", bind_p50, bind_mean, t[m / 2]);
  ldap_unbind_ext_s(keep, NULL, NULL);
  return 0;
}
