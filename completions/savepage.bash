# bash completion for savepage

_savepage() {
	local cur prev
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W 'cache serve' -- "$cur"))
		[[ $cur == -* || -z $cur ]] || return
	fi
	if [[ ${COMP_WORDS[1]} == serve ]]; then
		case $prev in
		--keys | --cache-dir | --usage) COMPREPLY=($(compgen -f -- "$cur")) ;;
		--browser) COMPREPLY=($(compgen -c -- "$cur")) ;;
		--listen | --workers | --browser-arg | --allow-host | --per-ip | --real-ip-from) ;;
		*) COMPREPLY=($(compgen -W '--listen --workers --keys --cache-dir --no-cache --browser
			--browser-arg --allow-private --allow-host --per-ip --real-ip-from --usage --verbose
			--quiet --help' -- "$cur")) ;;
		esac
		return
	fi
	if [[ ${COMP_WORDS[1]} == cache ]]; then
		if [[ $COMP_CWORD -eq 2 ]]; then
			COMPREPLY=($(compgen -W 'list prune clear path' -- "$cur"))
		else
			COMPREPLY=($(compgen -W '--cache-dir --max-size --older-than' -- "$cur"))
		fi
		return
	fi

	case $prev in
	-f | --format)
		COMPREPLY=($(compgen -W 'jpeg png webp pdf' -- "$cur"))
		return
		;;
	-o | --output | -i | --input | -a | --archive | --report | --cache-dir | --blocklist | \
	--style-file | --js-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--browser)
		COMPREPLY=($(compgen -c -- "$cur"))
		return
		;;
	--pdf-paper)
		COMPREPLY=($(compgen -W "A4 Letter Legal" -- "$cur"))
		return
		;;
	--wait-until)
		COMPREPLY=($(compgen -W "load domcontentloaded networkidle" -- "$cur"))
		return
		;;
	--device)
		COMPREPLY=($(compgen -W "$(savepage --list-devices 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur"))
		return
		;;
	-W | --width | -H | --height | -d | --delay | -q | --quality | -A | --user-agent | \
	-L | --accept-language | -b | --cookie | --timeout | --browser-arg | -n | --name | \
	-j | --jobs | --retries | --browser-url | -T | --thumb-width | -r | --refresh | \
	--api-url | --key | --secret | --hash | --maxage | --timezone | --scale-factor | \
	--wait-for-selector | --wait-for | --selector | --padding | --clip | --hide | --remove | --click | --style | \
	--javascript | --header | --user | --auth-username | --auth-password | --proxy | --no-proxy)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		local opts='--width --height --fullpage --full-page --thumb-width --nocookie --noads --blocklist --delay
			--selector --padding --clip --wait-until --wait-for-selector --wait-for --format --quality --pdf-paper --pdf-landscape --mhtml
			--user-agent --accept-language --cookie --scale-factor --retina --device --list-devices
			--dark-mode --reduced-motion
			--disable-animations --timezone --bypass-csp --omit-background --hide --remove --click --style --style-file
			--javascript --js-file --header --user --auth-username --auth-password --proxy --no-proxy
			--input --output --name --archive --report
			--jobs --shared-session --timeout --retries --fail-on-http-error --browser --browser-arg --browser-url
			--refresh --cache-dir --no-cache --api --api-url --key --secret --hash --api-get
			--api-insecure --maxage --verbose --quiet --progress --no-progress
			--version --help
			-W -H -F -T -d -f -q -A -L -b -i -o -n -a -j -r -v -s -V -h'
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY+=($(compgen -f -- "$cur"))
}
complete -F _savepage savepage
