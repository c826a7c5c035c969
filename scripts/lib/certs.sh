# Throwaway X.509 material for tests and the quickstart. Source this file.
# make_ca DIR                 -> DIR/ca.pem, DIR/ca.key
# make_cert DIR NAME SAN CN   -> DIR/NAME.pem (leaf), DIR/NAME.key (0600), signed by DIR/ca.pem
make_ca() {
  local dir=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pwsync throwaway test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 "$dir/ca.key"
}

make_cert() {
  local dir=$1 name=$2 san=$3 cn=${4:-pwsync-test}
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' "$san" > "$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
  chmod 600 "$dir/$name.key"
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

# random_password: 20 characters with every class AD's complexity rule counts.
random_password() {
  printf '%s' "Aa1!$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16)"
}
