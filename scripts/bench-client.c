/*
 * The C libldap baseline for scripts/bench: what pwsync does per push, without pwsync.
 * N threads, each with its own verified-TLS connection bound as the service account, each
 * repeating: search the user by name, then write a fresh password to its DN (RFC 3062 password
 * modify for OpenLDAP; a unicodePwd replace for AD). Prints "ops ops_per_s p50_ms p99_ms".
 *
 * Usage: bench-client KIND URL CA_FILE BIND_DN BIND_PW_FILE BASE NAME_ATTR USERS_FILE THREADS SECONDS
 *   KIND is openldap or ad; USERS_FILE holds one user name per line.
 */
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *kind, *url, *ca, *binddn, *base, *attr;
static char bindpw[512];
static char **users;
static int nusers, nthreads;
static double seconds;
static double *lat;  /* per thread, latencies in ms */
static int *count;
#define MAXOPS 500000

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, int rc) {
  fprintf(stderr, "bench-client: %s: %s\n", what, ldap_err2string(rc));
  exit(1);
}

static LDAP *connect_bound(void) {
  LDAP *ld;
  int v = LDAP_VERSION3, rc, hard = LDAP_OPT_X_TLS_HARD, zero = 0;
  if ((rc = ldap_initialize(&ld, url)) != LDAP_SUCCESS) die("initialize", rc);
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca);
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &hard);
  ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
  if (strncmp(url, "ldap://", 7) == 0 && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) die("starttls", rc);
  struct berval cred = {strlen(bindpw), bindpw};
  if ((rc = ldap_sasl_bind_s(ld, binddn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL)) != LDAP_SUCCESS) die("bind", rc);
  return ld;
}

static void new_password(unsigned *seed, char *out) {
  static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  strcpy(out, "Bn-");
  for (int i = 3; i < 23; i++) out[i] = set[rand_r(seed) % (sizeof set - 1)];
  strcpy(out + 23, "!9a");
}

static void *worker(void *arg) {
  long k = (long)arg;
  LDAP *ld = connect_bound();
  unsigned seed = (unsigned)(k * 7919 + time(NULL));
  char filter[256], pw[32];
  char *attrs[] = {"entryUUID", "objectGUID", "pwdChangedTime", "pwdLastSet", NULL};
  double end = now() + seconds;
  /* Thread k owns users k, k+N, k+2N…: no two threads write one account at once. */
  int owned = nusers / nthreads, j = 0, n = 0;
  if (owned == 0) { fprintf(stderr, "bench-client: fewer users than threads\n"); exit(1); }
  while (now() < end && n < MAXOPS) {
    double t0 = now();
    snprintf(filter, sizeof filter, "(%s=%s)", attr, users[k + nthreads * (j % owned)]);
    LDAPMessage *res = NULL;
    int rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, NULL, 2, &res);
    if (rc != LDAP_SUCCESS) die("search", rc);
    LDAPMessage *e = ldap_first_entry(ld, res);
    if (!e) { fprintf(stderr, "bench-client: no user %s\n", users[k + nthreads * (j % owned)]); exit(1); }
    char *dn = ldap_get_dn(ld, e);
    new_password(&seed, pw);
    if (strcmp(kind, "ad") == 0) {
      /* unicodePwd: the password in double quotes, UTF-16LE. */
      char q[64];
      int len = 0;
      char quoted[40];
      snprintf(quoted, sizeof quoted, "\"%s\"", pw);
      for (char *c = quoted; *c; c++) { q[len++] = *c; q[len++] = 0; }
      struct berval bv = {len, q}, *vals[] = {&bv, NULL};
      LDAPMod mod = {LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, "unicodePwd", {.modv_bvals = vals}}, *mods[] = {&mod, NULL};
      rc = ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
    } else {
      struct berval id = {strlen(dn), dn}, np = {strlen(pw), pw}, gen = {0, NULL};
      rc = ldap_passwd_s(ld, &id, NULL, &np, &gen, NULL, NULL);
      if (gen.bv_val) ber_memfree(gen.bv_val);
    }
    if (rc != LDAP_SUCCESS) die("password write", rc);
    ldap_memfree(dn);
    ldap_msgfree(res);
    lat[k * MAXOPS + n++] = (now() - t0) * 1000;
    j++;
  }
  count[k] = n;
  ldap_unbind_ext_s(ld, NULL, NULL);
  return NULL;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 11) { fprintf(stderr, "usage: bench-client KIND URL CA BIND_DN BIND_PW_FILE BASE ATTR USERS_FILE THREADS SECONDS\n"); return 2; }
  kind = argv[1]; url = argv[2]; ca = argv[3]; binddn = argv[4]; base = argv[6]; attr = argv[7];
  nthreads = atoi(argv[9]); seconds = atof(argv[10]);
  FILE *f = fopen(argv[5], "r");
  if (!f || !fgets(bindpw, sizeof bindpw, f)) { perror("bind password file"); return 1; }
  fclose(f);
  bindpw[strcspn(bindpw, "\n")] = 0;
  f = fopen(argv[8], "r");
  if (!f) { perror("users file"); return 1; }
  char line[256];
  users = calloc(100000, sizeof *users);
  while (nusers < 100000 && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (*line) users[nusers++] = strdup(line);
  }
  fclose(f);
  lat = malloc(sizeof *lat * MAXOPS * nthreads);
  count = calloc(nthreads, sizeof *count);
  pthread_t *t = calloc(nthreads, sizeof *t);
  double t0 = now();
  for (long k = 0; k < nthreads; k++) pthread_create(&t[k], NULL, worker, (void *)k);
  for (int k = 0; k < nthreads; k++) pthread_join(t[k], NULL);
  double wall = now() - t0;
  int total = 0;
  for (int k = 0; k < nthreads; k++) {
    memmove(lat + total, lat + (long)k * MAXOPS, sizeof *lat * count[k]);
    total += count[k];
  }
  qsort(lat, total, sizeof *lat, cmp);
  printf("%d %.1f %.2f %.2f\n", total, total / wall, lat[total / 2], lat[(int)(total * 0.99)]);
  return 0;
}
