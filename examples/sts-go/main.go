// Command sts-go asks Tollgate whose credentials it holds, with the stock
// aws-sdk-go-v2 and nothing Tollgate-specific but the endpoint: the smallest
// program that proves a client reaches the server and signs correctly.
//
// Keys and region come from the environment, as for any AWS program:
//
//	export AWS_ACCESS_KEY_ID=AKIATOLLGATEBUYER001
//	export AWS_SECRET_ACCESS_KEY=tollgate-demo-buyer-secret-0000000000000
//	export AWS_REGION=us-east-1
//	go run ./examples/sts-go -endpoint http://127.0.0.1:7070
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:7070", "Tollgate's URL")
	flag.Parse()
	if err := run(context.Background(), *endpoint, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sts-go:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, endpoint string, out io.Writer) error {
	cfg, err := config.LoadDefaultConfig(ctx) // keys and region from the environment
	if err != nil {
		return err
	}
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "account %s\narn %s\n", aws.ToString(id.Account), aws.ToString(id.Arn))
	return err
}
