# bash completion for savepage

_savepage() {
	local cur prev
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-f | --format)
		COMPREPLY=($(compgen -W 'jpeg png' -- "$cur"))
		return
		;;
	-o | --output | -i | --input | -a | --archive | --report)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--browser)
		COMPREPLY=($(compgen -c -- "$cur"))
		return
		;;
	-W | --width | -H | --height | -d | --delay | -q | --quality | -A | --user-agent | \
	-L | --accept-language | -b | --cookie | --timeout | --browser-arg | -n | --name | \
	-j | --jobs | --retries | --browser-url)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		local opts='--width --height --fullpage --delay --format --quality --user-agent
			--accept-language --cookie --input --output --name --archive --report --jobs
			--timeout --retries --fail-on-http-error --browser --browser-arg --browser-url
			--verbose --quiet --progress --no-progress --version --help
			-W -H -F -d -f -q -A -L -b -i -o -n -a -j -v -s -V -h'
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _savepage savepage
