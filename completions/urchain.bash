# bash completion for urchain (generated from the command definitions; do not edit)
_urchain() {
  local cur=${COMP_WORDS[COMP_CWORD]} words=() w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    words+=("$w")
  done
  if ((${#words[@]} == 0)); then
    COMPREPLY=($(compgen -W 'anchor archive audit backup block broker checkpoint completion config decrypt demo entangle graphql ingest init keygen member migrate node passport peers prove restore status trace trust verify' -- "$cur")); return
  fi
  local subs=''
  case "${words[0]}" in
    'anchor') subs='upgrade' ;;
    'archive') subs='export' ;;
    'block') subs='inspect' ;;
    'broker') subs='add-network serve' ;;
    'config') subs='get list set unset' ;;
    'entangle') subs='pull push' ;;
    'graphql') subs='schema' ;;
    'ingest') subs='epcis opcua send watch' ;;
    'member') subs='add list revoke' ;;
    'node') subs='run' ;;
    'passport') subs='merge' ;;
    'trust') subs='export' ;;
  esac
  if [[ -n $subs && ${#words[@]} == 1 && $cur != -* ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur")); return
  fi
  local path="${words[0]}" opts=''
  [[ -n $subs ]] && path="${words[0]} ${words[1]}"
  case "$path" in
    'anchor') opts='--json --data --node --calendar --anchors --key --depth --timeout' ;;
    'anchor upgrade') opts='--json --data --anchors --calendar --timeout' ;;
    'archive export') opts='--json --tiles --data --node --key --depth' ;;
    'audit') opts='--json --data --store --rate' ;;
    'backup') opts='--json --data --out --compact' ;;
    'block inspect') opts='--json --data --node' ;;
    'broker add-network') opts='--json --data --name' ;;
    'broker serve') opts='--json --listen --data --tls-cert --tls-key --witness-key --witness-name --witness-logs' ;;
    'checkpoint') opts='--json --data --node --key --depth' ;;
    'completion') opts='--json' ;;
    'config get') opts='--json' ;;
    'config list') opts='--json' ;;
    'config set') opts='--json' ;;
    'config unset') opts='--json' ;;
    'decrypt') opts='--json --key --out -o' ;;
    'demo') opts='--json --dir --products --block-time' ;;
    'entangle pull') opts='--json --node --broker --broker-ca --key --chain-key --partners --data --timeout' ;;
    'entangle push') opts='--json --node --broker --broker-ca --key --chain-key --partners --to --data --timeout' ;;
    'graphql schema') opts='--json' ;;
    'ingest epcis') opts='--json --node --profichain --tier1 --node-key --tier2-key' ;;
    'ingest opcua') opts='--json --node --profichain --tier1 --node-key --tier2-key --endpoint --node-id --batch --max-wait --sampling-interval --publishing-interval --product --meta --kind --duration --security-mode --security-policy --pki' ;;
    'ingest send') opts='--json --node --profichain --tier1 --node-key --tier2-key --meta --product --type --kind --key --allow-empty --batch --batch-size' ;;
    'ingest watch') opts='--json --node --profichain --tier1 --node-key --tier2-key --include --meta --kind --once --allow-empty' ;;
    'init') opts='--json --data --consensus --authority --threshold --difficulty --block-time --name' ;;
    'keygen') opts='--json --out -o --force --membership --network --aes' ;;
    'member add') opts='--json --role --membership-key --network-key --members' ;;
    'member list') opts='--json --members' ;;
    'member revoke') opts='--json --membership-key --network-key --members' ;;
    'migrate') opts='--json --data' ;;
    'node run') opts='--json --data --store --api --api-token-file --type --profichain --listen --advertise --seed --links --members --genesis --watch --include --block-time --max-payload --log-level --quiet --events --name --heap-growth --allocation-site-pretenuring --graphql --graphql-max-depth --graphql-max-cost --graphql-max-page --graphql-timeout --graphql-introspection --graphql-max-payload' ;;
    'passport') opts='--json --data --node --countersigned --stripped --out -o --html --trust' ;;
    'passport merge') opts='--json --out -o' ;;
    'peers') opts='--json --node' ;;
    'prove') opts='--json --data --node --store --stripped --out -o --decrypt-key --countersigned --anchor --anchors --format' ;;
    'restore') opts='--json --from --data --force' ;;
    'status') opts='--json --data --node --store' ;;
    'trace') opts='--json --data --node --store' ;;
    'trust export') opts='--json --data --node --origin' ;;
    'verify') opts='--json --trust --no-trust --headers --bitcoin-rpc --bitcoin-network --html' ;;
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F _urchain urchain
